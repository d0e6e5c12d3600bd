import { api } from '../../api/client';
import type { RuleConfig } from './rule';

/** The ABR rule and parameters a profile's experiment variant asks for (docs/experiments.md,
 * *Knobs*): `abr` names the rule, `abr_parameters` tunes Marquee's. */
export interface AbrVariant {
  experiment: string;
  rule: 'marquee' | 'shaka';
  tuning: Partial<RuleConfig>;
}

/** The experiment parameters' names for the rule's own. */
const TUNING: Record<string, keyof RuleConfig> = {
  safety: 'safety',
  bola_from_buffer_s: 'bolaFromBufferS',
  buffer_target_s: 'bufferTargetS',
  reserve_s: 'reserveS',
  horizon_segments: 'horizonSegments',
};

/** The profile's variant of the running experiment that turns the ABR rule, if any; null too
 * when assignments cannot be read (the player then plays with its default rule). */
export async function abrVariant(profileId: string): Promise<AbrVariant | null> {
  const { data } = await api
    .GET('/api/v1/experiments/assignments', { params: { query: { profile_id: profileId } } })
    .catch(() => ({ data: undefined }));
  const found = data?.assignments.find((assignment) => 'abr' in assignment.parameters);
  return found ? variantOf(found.experiment, found.parameters) : null;
}

export function variantOf(experiment: string, parameters: Record<string, unknown>): AbrVariant {
  const tuning: Partial<RuleConfig> = {};
  const given = (parameters['abr_parameters'] ?? {}) as Record<string, unknown>;
  for (const [name, key] of Object.entries(TUNING)) {
    if (typeof given[name] === 'number') {
      tuning[key] = given[name];
    }
  }
  return { experiment, rule: parameters['abr'] === 'shaka' ? 'shaka' : 'marquee', tuning };
}

/** The player started with the variant's rule: its exposure (once per session; a lost one
 * only leaves the unit out of the results). */
export function reportExposure(variant: AbrVariant, profileId: string): void {
  void api
    .POST('/api/v1/experiments/{key}/exposures', {
      params: { path: { key: variant.experiment } },
      body: { profile_id: profileId },
    })
    .catch(() => undefined);
}

import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  input,
  signal,
} from '@angular/core';
import { Router } from '@angular/router';
import { ApiError, api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { Session } from '../core/session';
import { DownloadButton } from '../downloads/download-button';
import { MyListButton } from '../shared/my-list-button';
import { Thumbs } from '../shared/thumbs';
import { Episodes } from './episodes';
import { clock, languageName, runtime } from './format';

type TitleView = Schemas['TitleView'];
type HistoryEntry = Schemas['HistoryEntry'];
type Credit = Schemas['Credit'];

const CAST_ROLES = new Set(['actor', 'voice']);
const CREW_LABELS: Record<string, string> = {
  director: 'Director',
  creator: 'Created by',
  writer: 'Writer',
  producer: 'Producer',
  composer: 'Music',
};

/** Where a viewer left a title: the position to resume and, for a series, the episode. */
interface Resume {
  positionS: number;
  episodeId: string | null;
  episodeLabel: string;
}

/** A title's page: details for the profile's language and territory, episodes, Play or Resume. */
@Component({
  selector: 'app-title-page',
  imports: [DownloadButton, Episodes, MyListButton, Thumbs],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './title-page.html',
  styleUrl: './title-page.css',
})
export class TitlePage {
  private readonly session = inject(Session);
  private readonly router = inject(Router);

  /** From the route `/title/:titleId`. */
  readonly titleId = input.required<string>();

  protected readonly title = signal<TitleView | null>(null);
  protected readonly error = signal('');
  private readonly history = signal<HistoryEntry[]>([]);

  protected readonly episodePositions = computed(() => byEpisode(this.history()));
  protected readonly resume = computed(() => resumePoint(this.title(), this.history()));
  protected readonly backdropUrl = computed(() => backdrop(this.title()));
  protected readonly cast = computed(() => castLine(this.title()?.credits ?? []));
  protected readonly audio = computed(() => languageList(this.title()?.audio_languages ?? []));
  protected readonly subtitles = computed(() =>
    languageList(this.title()?.subtitle_languages ?? []),
  );
  protected readonly crew = computed(() => crewLines(this.title()?.credits ?? []));
  protected readonly length = computed(() => lengthText(this.title()));
  protected readonly clock = clock;
  protected readonly profileId = computed(() => this.session.profile()?.id ?? null);

  constructor() {
    effect(() => {
      const profileId = this.session.profile()?.id;
      if (profileId) {
        void this.load(this.titleId(), profileId);
      }
    });
  }

  protected play(): void {
    const episode = this.resume()?.episodeId;
    void this.router.navigate(
      ['/watch', this.titleId()],
      episode ? { queryParams: { episode } } : {},
    );
  }

  private async load(titleId: string, profileId: string): Promise<void> {
    this.title.set(null);
    this.error.set('');
    try {
      const [title, history] = await Promise.all([
        ok(api.GET('/api/v1/titles/{title_id}', { params: { path: { title_id: titleId } } })),
        this.loadHistory(profileId, titleId),
      ]);
      this.history.set(history);
      this.title.set(title);
    } catch (error) {
      this.error.set(
        error instanceof ApiError && error.status === 404
          ? 'This title is not available.'
          : viewerMessage(error),
      );
    }
  }

  /** The profile's positions in this title, most recent first; none when history fails. */
  private async loadHistory(profileId: string, titleId: string): Promise<HistoryEntry[]> {
    try {
      const entries = await ok(
        api.GET('/api/v1/profiles/{profile_id}/history', {
          params: { path: { profile_id: profileId } },
        }),
      );
      return entries.filter((entry) => entry.title_id === titleId);
    } catch {
      return [];
    }
  }
}

function byEpisode(history: HistoryEntry[]): Map<string, HistoryEntry> {
  const positions = new Map<string, HistoryEntry>();
  for (const entry of history) {
    if (entry.episode_id) {
      positions.set(entry.episode_id, entry);
    }
  }
  return positions;
}

/** The most recent position not watched to the end, on the movie or on one of the episodes. */
function resumePoint(title: TitleView | null, history: HistoryEntry[]): Resume | null {
  const latest = history[0];
  if (!title || !latest || latest.watched || latest.position_s < 1) {
    return null;
  }
  return {
    positionS: latest.position_s,
    episodeId: latest.episode_id,
    episodeLabel: latest.episode_id ? episodeLabel(title, latest.episode_id) : '',
  };
}

function episodeLabel(title: TitleView, episodeId: string): string {
  for (const season of title.seasons) {
    const episode = season.episodes.find((e) => e.id === episodeId);
    if (episode) {
      return `S${season.number} E${episode.number}: ${episode.title}`;
    }
  }
  return '';
}

/** The backdrop in the title's language, else a neutral one, else any. */
function backdrop(title: TitleView | null): string | null {
  const backdrops = (title?.artwork ?? []).filter((art) => art.kind === 'backdrop');
  const preferred =
    backdrops.find((art) => art.language === title?.language) ??
    backdrops.find((art) => art.language === '') ??
    backdrops[0];
  return preferred?.url ?? null;
}

/** "June Park (Ada), Oliver Strand": the actors and voices, with their characters. */
function castLine(credits: Credit[]): string {
  return credits
    .filter((c) => CAST_ROLES.has(c.role))
    .map((c) => (c.character ? `${c.name} (${c.character})` : c.name))
    .join(', ');
}

function languageList(tags: string[]): string {
  return tags.map(languageName).join(', ');
}

/** "Director: A, B" lines, in the order of CREW_LABELS. */
function crewLines(credits: Credit[]): { label: string; names: string }[] {
  return Object.entries(CREW_LABELS).flatMap(([role, label]) => {
    const names = credits.filter((c) => c.role === role).map((c) => c.name);
    return names.length ? [{ label, names: names.join(', ') }] : [];
  });
}

/** A movie's running time, or a series' number of seasons. */
function lengthText(title: TitleView | null): string {
  if (!title) {
    return '';
  }
  if (title.kind === 'series') {
    const count = title.seasons.length;
    return count === 1 ? '1 season' : `${count} seasons`;
  }
  return title.runtime_s ? runtime(title.runtime_s) : '';
}

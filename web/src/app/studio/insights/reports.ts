import { api, ok, type Schemas } from '../../api/client';
import { studioFetch } from '../http';

export type Report = Schemas['Report'];
export type ReportName = Report['report'];
export type ReportRow = Report['rows'][number];
export type Cell = ReportRow[string];

/** A report as the Insights screen offers it: its groups (default first) and metrics. */
export interface ReportSpec {
  name: ReportName;
  label: string;
  groups: string[];
  metrics: string[];
}

/** The reports of docs/analytics.md, with the groups and metrics the server answers. */
export const REPORTS: readonly ReportSpec[] = [
  {
    name: 'viewing',
    label: 'Viewing',
    groups: ['day', 'title', 'episode', 'country', 'device', 'plan'],
    metrics: ['plays', 'unique_viewers', 'viewing_hours', 'completion_rate'],
  },
  {
    name: 'retention',
    label: 'Retention',
    groups: ['title'],
    metrics: ['share', 'unique_viewers'],
  },
  {
    name: 'quality',
    label: 'Quality',
    groups: ['day', 'title', 'edge', 'region', 'country', 'device'],
    metrics: [
      'startup_p50_ms',
      'startup_p95_ms',
      'rebuffer_ratio',
      'stalls_per_hour',
      'bitrate_kbps',
      'vmaf',
      'error_rate',
    ],
  },
  {
    name: 'business',
    label: 'Business',
    groups: ['day', 'plan', 'currency'],
    metrics: [
      'signups',
      'active_subscriptions',
      'mrr',
      'churn_rate',
      'revenue',
      'payments_failed',
      'trials_ended',
      'trial_conversion_rate',
    ],
  },
  {
    name: 'content',
    label: 'Content',
    groups: ['day', 'title'],
    metrics: ['titles_added', 'titles_never_played', 'plays', 'windows_expiring'],
  },
];

/** Column headings: group keys and metrics in words, with their units. */
const HEADINGS: Record<string, string> = {
  day: 'Day',
  title_id: 'Title',
  episode_id: 'Episode',
  country: 'Country',
  device: 'Device',
  edge: 'Edge',
  region: 'Region',
  plan: 'Plan',
  currency: 'Currency',
  position_pct: 'Position (% of running time)',
  plays: 'Plays',
  unique_viewers: 'Unique viewers',
  viewing_hours: 'Viewing hours',
  completion_rate: 'Completion rate',
  share: 'Share still watching',
  startup_p50_ms: 'Startup p50 (ms)',
  startup_p95_ms: 'Startup p95 (ms)',
  rebuffer_ratio: 'Rebuffering ratio',
  stalls_per_hour: 'Stalls per hour',
  bitrate_kbps: 'Bitrate (kbit/s)',
  vmaf: 'VMAF',
  error_rate: 'Error rate',
  signups: 'Sign-ups',
  active_subscriptions: 'Active subscriptions',
  mrr: 'MRR',
  churn_rate: 'Churn rate',
  revenue: 'Revenue',
  payments_failed: 'Payments failed',
  trials_ended: 'Trials ended',
  trial_conversion_rate: 'Trial conversion rate',
  titles_added: 'Titles added',
  titles_never_played: 'Titles never played',
  windows_expiring: 'Licence windows expiring',
};

/** The key a group's value comes under in a row (`title` → `title_id`). */
export function groupKey(group: string): string {
  return group === 'title' || group === 'episode' ? `${group}_id` : group;
}

export function heading(column: string): string {
  return HEADINGS[column] ?? column;
}

/** What a report is asked for: the days (UTC, both included) and the filters. */
export interface ReportQuery {
  name: ReportName;
  from: string;
  to: string;
  groupBy: string;
  country: string;
  titleId: string;
}

function parameters(query: ReportQuery): Record<string, string> {
  const found: Record<string, string> = { from: query.from, to: query.to };
  for (const [name, value] of [
    ['group_by', query.groupBy],
    ['country', query.country],
    ['title_id', query.titleId],
  ] as const) {
    if (value) {
      found[name] = value;
    }
  }
  return found;
}

/** The report as JSON (the schema types its answer loosely, as it may also be CSV). */
export function fetchReport(query: ReportQuery): Promise<Report> {
  const { from, to, ...filters } = parameters(query);
  return ok(
    api.GET('/api/v1/analytics/reports/{name}', {
      params: { path: { name: query.name }, query: { from, to, ...filters } },
    }),
  ) as Promise<Report>;
}

/** The report as the server's CSV (`Accept: text/csv`), saved as a download. */
export async function downloadCsv(query: ReportQuery): Promise<void> {
  const search = new URLSearchParams(parameters(query));
  const answer = await studioFetch(
    `/api/v1/analytics/reports/${encodeURIComponent(query.name)}?${search}`,
    { headers: { Accept: 'text/csv' } },
  );
  const link = document.createElement('a');
  link.href = URL.createObjectURL(await answer.blob());
  link.download = `marquee-${query.name}-${query.from}-to-${query.to}.csv`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
}

/** Titles' names where the account may list the studio's titles (editors and admins). */
export async function titleNames(): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (let page = 1; page <= 20; page++) {
    const answer = await ok(api.GET('/api/v1/studio/titles', { params: { query: { page } } }));
    answer.items.forEach((title) => names.set(title.id, title.original_title));
    if (page * answer.page_size >= answer.total) {
      break;
    }
  }
  return names;
}

import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { viewerMessage } from '../../core/problems';
import { formFields, valueOf } from '../format';
import { type ChartSeries, InsightsChart } from './chart';
import {
  type Cell,
  REPORTS,
  type Report,
  type ReportQuery,
  type ReportSpec,
  downloadCsv,
  fetchReport,
  groupKey,
  heading,
  titleNames,
} from './reports';

const DEFAULT_DAYS = 30;
/** Retention curves drawn at once (the table has them all). */
const MAX_CURVES = 6;
const NUMBER = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 });

/** A UTC day `daysAgo` days before today, as the API writes days (`YYYY-MM-DD`). */
function utcDay(daysAgo = 0): string {
  return new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Insights (`/studio/insights`, admins and analysts): the analytics reports (docs/analytics.md)
 * over a range of days, cut by a group and filtered by country and title, as a chart and the
 * same figures as a table, and downloadable as the server's CSV.
 */
@Component({
  selector: 'app-studio-insights',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [InsightsChart],
  styleUrls: ['../studio.css', './insights.css'],
  templateUrl: './insights.html',
})
export class Insights {
  protected readonly reports = REPORTS;
  protected readonly heading = heading;
  protected readonly valueOf = valueOf;
  protected readonly today = utcDay();

  protected readonly spec = signal<ReportSpec>(REPORTS[0]);
  protected readonly query = signal<ReportQuery>({
    name: REPORTS[0].name,
    from: utcDay(DEFAULT_DAYS - 1),
    to: utcDay(),
    groupBy: REPORTS[0].groups[0],
    country: '',
    titleId: '',
  });
  protected readonly answer = signal<Report | null>(null);
  protected readonly metric = signal(REPORTS[0].metrics[0]);
  protected readonly loading = signal(false);
  protected readonly exporting = signal(false);
  protected readonly error = signal('');
  private readonly names = signal(new Map<string, string>());

  /** The table's columns: the row keys in the server's order; without rows, the groups' keys
   * and the report's metrics. */
  protected readonly columns = computed(() => {
    const answer = this.answer();
    if (!answer) {
      return [];
    }
    const first = answer.rows[0];
    if (first) {
      return Object.keys(first);
    }
    const positions = answer.report === 'retention' ? ['position_pct'] : [];
    return [...answer.group_by.map(groupKey), ...positions, ...this.spec().metrics];
  });
  /** Titles to filter by: every title the studio lists, else those the rows name. */
  protected readonly titleChoices = computed(() => {
    const ids = new Set(this.names().keys());
    this.answer()?.rows.forEach(
      (row) => typeof row['title_id'] === 'string' && ids.add(row['title_id']),
    );
    return [...ids]
      .map((id) => ({ id, name: this.names().get(id) ?? id }))
      .sort((a, b) => a.name.localeCompare(b.name));
  });
  protected readonly chart = computed(() => this.chartOf(this.answer(), this.metric()));

  constructor() {
    void this.load();
    titleNames()
      .then((names) => this.names.set(names))
      .catch(() => undefined);
  }

  protected pickReport(name: string): void {
    const spec = REPORTS.find((report) => report.name === name) ?? REPORTS[0];
    this.spec.set(spec);
    this.metric.set(spec.metrics[0]);
    this.query.update((query) => ({ ...query, name: spec.name, groupBy: spec.groups[0] }));
    this.answer.set(null);
    void this.load();
  }

  protected apply(event: Event): void {
    event.preventDefault();
    const field = formFields(event.target as HTMLFormElement);
    this.query.update((query) => ({
      ...query,
      from: field('from'),
      to: field('to'),
      groupBy: field('group_by'),
      country: field('country').toUpperCase(),
      titleId: field('title_id'),
    }));
    void this.load();
  }

  protected async exportCsv(): Promise<void> {
    this.exporting.set(true);
    this.error.set('');
    try {
      await downloadCsv(this.query());
    } catch (error) {
      this.error.set(viewerMessage(error));
    } finally {
      this.exporting.set(false);
    }
  }

  /** A cell as the table shows it: a title's name, numbers in the viewer's locale. */
  protected shown(column: string, value: Cell | undefined): string {
    if (value === null || value === undefined || value === '') {
      return '—';
    }
    if (column === 'title_id' && typeof value === 'string') {
      return this.names().get(value) ?? value;
    }
    return typeof value === 'number' ? NUMBER.format(value) : value;
  }

  private async load(): Promise<void> {
    this.loading.set(true);
    this.error.set('');
    try {
      this.answer.set(await fetchReport(this.query()));
    } catch (error) {
      this.error.set(viewerMessage(error));
    } finally {
      this.loading.set(false);
    }
  }

  private chartOf(
    answer: Report | null,
    metric: string,
  ): { labels: string[]; series: ChartSeries[]; shape: 'bars' | 'lines'; caption: string } | null {
    if (!answer || answer.rows.length === 0) {
      return null;
    }
    const range = `${answer.from} to ${answer.to}`;
    if (answer.report === 'retention') {
      return {
        ...this.curves(answer, metric),
        caption: `${heading(metric)} by position, ${range}`,
      };
    }
    const keys = answer.group_by.map(groupKey);
    const labels = answer.rows.map((row) =>
      keys.map((key) => this.shown(key, row[key])).join(' · '),
    );
    const values = answer.rows.map((row) => numberOr(row[metric]));
    const byDay = answer.group_by.length === 1 && answer.group_by[0] === 'day';
    return {
      labels,
      series: [{ label: heading(metric), values }],
      shape: byDay ? 'lines' : 'bars',
      caption: `${heading(metric)} by ${answer.group_by.join(' and ')}, ${range}`,
    };
  }

  /** Retention: a curve per title over the positions (0 %, 5 % … 100 %). */
  private curves(
    answer: Report,
    metric: string,
  ): { labels: string[]; series: ChartSeries[]; shape: 'lines' } {
    const positions = [...new Set(answer.rows.map((row) => Number(row['position_pct'])))];
    const titles = [...new Set(answer.rows.map((row) => String(row['title_id'])))].slice(
      0,
      MAX_CURVES,
    );
    const series = titles.map((title) => {
      const byPosition = new Map(
        answer.rows
          .filter((row) => String(row['title_id']) === title)
          .map((row) => [Number(row['position_pct']), numberOr(row[metric])]),
      );
      return {
        label: this.shown('title_id', title),
        values: positions.map((p) => byPosition.get(p) ?? null),
      };
    });
    return { labels: positions.map((p) => `${p}%`), series, shape: 'lines' };
  }
}

function numberOr(value: Cell | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

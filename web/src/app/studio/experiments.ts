import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { dateTime } from './format';
import { IntervalChart, type IntervalRow } from './interval-chart';

type Experiment = Schemas['Experiment'];
type Results = Schemas['Results'];
type MetricResult = Schemas['MetricResult'];

const ALPHA = 0.05;
const TEMPLATE = {
  key: 'bold-artwork',
  hypothesis: 'Bolder posters on cards raise plays',
  unit: 'profile',
  variants: [
    { key: 'control', weight: 50, parameters: {} },
    { key: 'bold', weight: 50, parameters: { artwork: 'bold' } },
  ],
  metrics: {
    primary: 'plays_per_member',
    guardrails: [{ metric: 'rebuffer_ratio', higher_is_better: false, tolerance: 0.002 }],
  },
};

/** One metric of the results: its variants beside the control, for the chart and table. */
interface MetricView {
  metric: string;
  role: string;
  rows: (MetricResult & { variant: string })[];
  intervals: IntervalRow[];
}

/** Experiments (admins): define one as JSON, start and stop it, and read its results with
 * each difference's 95% interval drawn, the sample-ratio and guardrail warnings and the
 * sequential test's decision. */
@Component({
  selector: 'app-studio-experiments',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [IntervalChart],
  styleUrl: './studio.css',
  template: `<main class="page">
    <h1>Experiments</h1>
    @if (error()) {
      <p class="form-error" role="alert">{{ error() }}</p>
    }
    <form class="define" (submit)="define($event)" aria-label="Define an experiment">
      <label for="experiment-definition">Definition (JSON)</label>
      <textarea
        id="experiment-definition"
        rows="12"
        spellcheck="false"
        [value]="draft()"
        (input)="draft.set($any($event.target).value)"
      ></textarea>
      <button type="submit" class="button">Define experiment</button>
    </form>

    <div class="table-wrap" role="region" aria-label="Experiments table" tabindex="0">
      <table aria-label="Experiments">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">State</th>
            <th scope="col">Unit</th>
            <th scope="col">Variants</th>
            <th scope="col">Started</th>
            <th scope="col"><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (experiment of experiments(); track experiment.key) {
            <tr>
              <td>{{ experiment.key }}</td>
              <td>
                <span class="status" [attr.data-status]="experiment.state">{{
                  experiment.state
                }}</span>
                @if (experiment.stop_reason) {
                  <span class="muted"> ({{ experiment.stop_reason }})</span>
                }
              </td>
              <td>{{ experiment.unit }}</td>
              <td>{{ variantsOf(experiment) }}</td>
              <td>{{ experiment.started_at ? dateTime(experiment.started_at) : '—' }}</td>
              <td class="actions">
                @if (experiment.state === 'draft') {
                  <button
                    type="button"
                    class="button"
                    [attr.aria-label]="'Start ' + experiment.key"
                    (click)="change(experiment.key, 'start')"
                  >
                    Start
                  </button>
                }
                @if (experiment.state === 'running') {
                  <button
                    type="button"
                    class="button"
                    [attr.aria-label]="'Stop ' + experiment.key"
                    (click)="change(experiment.key, 'stop')"
                  >
                    Stop
                  </button>
                }
                @if (experiment.state !== 'draft') {
                  <button
                    type="button"
                    class="button"
                    [attr.aria-label]="'Results of ' + experiment.key"
                    (click)="open(experiment.key)"
                  >
                    Results
                  </button>
                }
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6" class="muted">No experiment yet.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>

    @if (results(); as found) {
      <section [attr.aria-label]="'Results of ' + found.experiment">
        <h2>Results of {{ found.experiment }}</h2>
        <p class="muted">{{ found.first_day }} to {{ found.last_day }} · {{ found.state }}</p>
        @if (found.sample_ratio_mismatch) {
          <p class="warning" role="alert">
            Sample ratio mismatch: the units per variant are not the designed split (chi-square p =
            {{ found.sample_ratio_p_value.toExponential(1) }}); do not trust these figures.
          </p>
        }
        @for (breach of found.guardrail_breaches; track breach) {
          <p class="warning" role="alert">Guardrail breached: {{ breach }}</p>
        }
        @if (found.stop_reason) {
          <p class="muted">Stopped: {{ found.stop_reason }}</p>
        }
        <table aria-label="Units per variant">
          <thead>
            <tr>
              <th scope="col">Variant</th>
              <th scope="col">Units</th>
              <th scope="col">Exposures</th>
            </tr>
          </thead>
          <tbody>
            @for (variant of found.variants; track variant.variant) {
              <tr>
                <td>{{ variant.variant }}</td>
                <td>{{ variant.units }}</td>
                <td>{{ variant.exposures }}</td>
              </tr>
            }
          </tbody>
        </table>
        @for (metric of metrics(); track metric.metric) {
          <h3>
            {{ metric.metric }} <span class="muted">({{ metric.role }})</span>
          </h3>
          @if (metric.intervals.length) {
            <app-interval-chart
              [rows]="metric.intervals"
              [name]="
                'Difference in ' +
                metric.metric +
                ' from the control, with 95% sequential intervals'
              "
            />
          }
          <table [attr.aria-label]="metric.metric + ' by variant'">
            <thead>
              <tr>
                <th scope="col">Variant</th>
                <th scope="col">Mean</th>
                <th scope="col">Difference (95% interval)</th>
                <th scope="col">p</th>
                <th scope="col">CUPED difference</th>
                <th scope="col">Sequential decision</th>
              </tr>
            </thead>
            <tbody>
              @for (row of metric.rows; track row.variant) {
                <tr>
                  <td>{{ row.variant }}</td>
                  <td>
                    {{ number(row.mean) }}
                    <span class="muted">vs {{ number(row.control_mean) }}</span>
                  </td>
                  <td>{{ interval(row.difference) }}</td>
                  <td>{{ row.difference ? number(row.difference.p_value) : '—' }}</td>
                  <td>{{ interval(row.cuped) }}</td>
                  <td>{{ decision(row) }}</td>
                </tr>
              }
            </tbody>
          </table>
        }
      </section>
    }
  </main>`,
  styles: `
    .define {
      display: grid;
      gap: 0.4rem;
      max-width: 48rem;
      margin-bottom: 1.5rem;
    }
    .define textarea {
      font-family: monospace;
    }
    .define button {
      justify-self: start;
    }
    .actions {
      display: flex;
      gap: 0.4rem;
    }
    .warning {
      border-left: 4px solid #f5c518;
      padding: 0.4rem 0.6rem;
      background: var(--surface-2);
    }
    h3 {
      font-size: 0.95rem;
      margin-top: 1.25rem;
    }
  `,
})
export class StudioExperiments {
  protected readonly dateTime = dateTime;
  protected readonly experiments = signal<Experiment[]>([]);
  protected readonly results = signal<Results | null>(null);
  protected readonly error = signal('');
  protected readonly draft = signal(JSON.stringify(TEMPLATE, null, 2));
  protected readonly metrics = computed(() => metricsOf(this.results()));

  constructor() {
    void this.load();
  }

  protected async define(event: Event): Promise<void> {
    event.preventDefault();
    await this.attempt(async () => {
      const body = JSON.parse(this.draft()) as Schemas['ExperimentIn'];
      await ok(api.POST('/api/v1/experiments', { body }));
      await this.load();
    });
  }

  protected async change(key: string, action: 'start' | 'stop'): Promise<void> {
    await this.attempt(async () => {
      const path = { key };
      if (action === 'start') {
        await ok(api.POST('/api/v1/experiments/{key}/start', { params: { path } }));
      } else {
        await ok(api.POST('/api/v1/experiments/{key}/stop', { params: { path } }));
      }
      await this.load();
    });
  }

  protected async open(key: string): Promise<void> {
    this.results.set(null);
    await this.attempt(async () => {
      const path = { key };
      this.results.set(
        await ok(api.GET('/api/v1/experiments/{key}/results', { params: { path } })),
      );
    });
  }

  protected variantsOf(experiment: Experiment): string {
    return experiment.variants.map((v) => `${v.key} ${v.weight}%`).join(', ');
  }

  protected number(value: number | null | undefined): string {
    return value === null || value === undefined ? '—' : value.toPrecision(3);
  }

  protected interval(found: Schemas['Interval'] | null | undefined): string {
    if (!found) {
      return '—';
    }
    return `${this.number(found.estimate)} (${this.number(found.low)} to ${this.number(found.high)})`;
  }

  /** What the sequential test says today: a winner or loser once its p-value is below α,
   * else how far it has come. */
  protected decision(row: MetricResult): string {
    const test = row.sequential;
    if (!test || row.sequential_p_value === null || row.sequential_p_value === undefined) {
      return '—';
    }
    const look =
      test.method === 'group-sequential'
        ? `day ${test.look} of ${test.planned_looks}, boundary z ${this.number(test.boundary)}`
        : `past the planned ${test.planned_looks} days (mSPRT)`;
    if (row.sequential_p_value < ALPHA) {
      const side = (row.cuped?.estimate ?? 0) > 0 ? 'higher' : 'lower';
      return `Significant: ${side} than the control (p = ${this.number(row.sequential_p_value)}; ${look})`;
    }
    return `No decision yet (p = ${this.number(row.sequential_p_value)}; ${look})`;
  }

  private async load(): Promise<void> {
    await this.attempt(async () => this.experiments.set(await ok(api.GET('/api/v1/experiments'))));
  }

  private async attempt(work: () => Promise<void>): Promise<void> {
    this.error.set('');
    try {
      await work();
    } catch (error) {
      this.error.set(
        error instanceof SyntaxError ? `Not JSON: ${error.message}` : viewerMessage(error),
      );
    }
  }
}

/** The results per metric: the variants beside the control, and their intervals to draw. */
export function metricsOf(results: Results | null): MetricView[] {
  if (!results) {
    return [];
  }
  const views = new Map<string, MetricView>();
  for (const variant of results.variants.slice(1)) {
    for (const metric of variant.metrics) {
      const view = views.get(metric.metric) ?? {
        metric: metric.metric,
        role: metric.role,
        rows: [],
        intervals: [],
      };
      view.rows.push({ ...metric, variant: variant.variant });
      const shown = metric.cuped ?? metric.difference;
      if (shown) {
        view.intervals.push({
          label: variant.variant,
          estimate: shown.estimate,
          low: metric.sequential?.low ?? shown.low,
          high: metric.sequential?.high ?? shown.high,
        });
      }
      views.set(metric.metric, view);
    }
  }
  return [...views.values()];
}

import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** One variant's difference from the control with its 95% interval. */
export interface IntervalRow {
  label: string;
  estimate: number;
  low: number;
  high: number;
}

const WIDTH = 480;
const ROW_PX = 28;
const LEFT_PX = 110;
const RIGHT_PX = 16;
const TOP_PX = 8;
const AXIS_PX = 22;

/**
 * Differences drawn as intervals: per variant a line from the interval's low to its high end
 * and a dot at the estimate, against a dashed line at 0 (no difference). An SVG with its own
 * accessible name; the figures are also in the table beside it.
 */
@Component({
  selector: 'app-interval-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `<svg
    role="img"
    [attr.aria-label]="name()"
    [attr.viewBox]="'0 0 ' + width + ' ' + height()"
    [attr.width]="width"
    [attr.height]="height()"
    class="interval-chart"
  >
    <line
      class="zero"
      [attr.x1]="x(0)"
      [attr.x2]="x(0)"
      [attr.y1]="top"
      [attr.y2]="height() - axis"
    />
    @for (row of rows(); track row.label; let i = $index) {
      <g [attr.data-variant]="row.label">
        <text [attr.x]="left - 8" [attr.y]="y(i) + 4" text-anchor="end">{{ row.label }}</text>
        <line
          class="interval"
          [attr.x1]="x(row.low)"
          [attr.x2]="x(row.high)"
          [attr.y1]="y(i)"
          [attr.y2]="y(i)"
        />
        <circle class="estimate" [attr.cx]="x(row.estimate)" [attr.cy]="y(i)" r="4" />
      </g>
    }
    <text [attr.x]="left" [attr.y]="height() - 6">{{ format(scale().low) }}</text>
    <text [attr.x]="x(0)" [attr.y]="height() - 6" text-anchor="middle">0</text>
    <text [attr.x]="width - right" [attr.y]="height() - 6" text-anchor="end">
      {{ format(scale().high) }}
    </text>
  </svg>`,
  styles: `
    .interval-chart {
      max-width: 100%;
      height: auto;
      font-size: 11px;
    }
    .interval-chart text {
      fill: var(--text-dim, #b3b3b3);
    }
    .interval-chart .zero {
      stroke: #888;
      stroke-dasharray: 4 3;
    }
    .interval-chart .interval {
      stroke: #4fc3f7;
      stroke-width: 3;
    }
    .interval-chart .estimate {
      fill: #f5c518;
    }
  `,
})
export class IntervalChart {
  readonly rows = input.required<IntervalRow[]>();
  readonly name = input.required<string>();

  protected readonly width = WIDTH;
  protected readonly left = LEFT_PX;
  protected readonly right = RIGHT_PX;
  protected readonly top = TOP_PX;
  protected readonly axis = AXIS_PX;
  protected readonly height = computed(() => TOP_PX + this.rows().length * ROW_PX + AXIS_PX);
  /** Symmetric around 0, so the side of 0 an interval lies on reads at a glance. */
  protected readonly scale = computed(() => {
    const reach = Math.max(
      ...this.rows().flatMap((row) => [Math.abs(row.low), Math.abs(row.high)]),
      Number.EPSILON,
    );
    return { low: -reach * 1.1, high: reach * 1.1 };
  });

  protected x(value: number): number {
    const { low, high } = this.scale();
    return LEFT_PX + ((value - low) / (high - low)) * (WIDTH - LEFT_PX - RIGHT_PX);
  }

  protected y(index: number): number {
    return TOP_PX + index * ROW_PX + ROW_PX / 2;
  }

  protected format(value: number): string {
    return value.toPrecision(2);
  }
}

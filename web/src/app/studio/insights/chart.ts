import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  ElementRef,
  ViewEncapsulation,
  afterRenderEffect,
  inject,
  input,
  viewChild,
} from '@angular/core';
import uPlot from 'uplot';

/** One line (or set of bars) of a chart: a value per label, `null` where there is none. */
export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

const HEIGHT_PX = 280;
const LABEL_CHARS = 16;
const COLOURS = ['#e50914', '#46d369', '#f5c518', '#4fc3f7', '#ba68c8', '#ff8a65'];
const AXIS = { stroke: '#b3b3b3', grid: { stroke: '#333', width: 1 }, ticks: { stroke: '#333' } };

/**
 * A uPlot chart of report rows: bars over categories (titles, countries…) or lines over an
 * ordered axis (days, positions). The canvas is hidden from assistive technologies: the screen
 * always shows the same figures as a table, which the caption points to.
 *
 * Not encapsulated: uPlot builds its own elements, which Angular's scoped styles cannot reach.
 */
@Component({
  selector: 'app-insights-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  encapsulation: ViewEncapsulation.None,
  styleUrls: ['../../../../node_modules/uplot/dist/uPlot.min.css'],
  template: `<figure class="insights-chart">
    <div #plot class="insights-plot" aria-hidden="true" data-testid="insights-chart"></div>
    <figcaption>{{ caption() }}</figcaption>
  </figure>`,
  styles: `
    .insights-chart {
      margin: 0 0 1rem;
    }
    .insights-chart figcaption {
      color: var(--text-dim);
      font-size: 0.85rem;
    }
    .insights-plot .u-legend {
      color: var(--text);
    }
  `,
})
export class InsightsChart {
  readonly labels = input.required<string[]>();
  readonly series = input.required<ChartSeries[]>();
  readonly shape = input<'bars' | 'lines'>('bars');
  readonly caption = input.required<string>();

  private readonly plotRef = viewChild.required<ElementRef<HTMLElement>>('plot');
  private plot: uPlot | null = null;

  constructor() {
    afterRenderEffect(() => this.draw(this.labels(), this.series(), this.shape()));
    const resized = new ResizeObserver(() =>
      this.plot?.setSize({ width: this.width(), height: HEIGHT_PX }),
    );
    afterRenderEffect(() => resized.observe(this.plotRef().nativeElement));
    inject(DestroyRef).onDestroy(() => {
      resized.disconnect();
      this.plot?.destroy();
    });
  }

  private draw(labels: string[], series: ChartSeries[], shape: 'bars' | 'lines'): void {
    this.plot?.destroy();
    const bars = shape === 'bars';
    const data: uPlot.AlignedData = [
      labels.map((_, index) => index),
      ...series.map((s) => s.values),
    ];
    this.plot = new uPlot(
      {
        width: this.width(),
        height: HEIGHT_PX,
        legend: { show: series.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false, auto: false, range: [-0.5, labels.length - 0.5] } },
        axes: [
          {
            ...AXIS,
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500],
            values: (_plot, ticks) => ticks.map((tick) => shortened(labels[tick] ?? '')),
          },
          { ...AXIS, size: 60 },
        ],
        series: [
          {},
          ...series.map((line, index) => {
            const colour = COLOURS[index % COLOURS.length];
            return {
              label: line.label,
              stroke: colour,
              width: 2,
              fill: bars ? `${colour}bb` : undefined,
              paths: bars ? uPlot.paths.bars?.({ size: [0.6, 80] }) : undefined,
              points: { show: !bars && labels.length <= 40 },
            };
          }),
        ],
      },
      data,
      this.plotRef().nativeElement,
    );
  }

  private width(): number {
    return Math.max(240, this.plotRef().nativeElement.clientWidth);
  }
}

/** An axis label short enough to sit under its bar (the table has it whole). */
function shortened(label: string): string {
  return label.length > LABEL_CHARS ? `${label.slice(0, LABEL_CHARS - 1)}…` : label;
}

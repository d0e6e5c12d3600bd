import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { Schemas } from '../api/client';

/** A probe encode of the per-title ladder (docs/media.md): size, x264 CRF, rate, VMAF. */
export interface LadderProbe {
  width: number;
  height: number;
  crf: number;
  kbps: number;
  vmaf: number;
}

/** A chosen rung: the probe it is encoded as. */
export interface LadderRung extends LadderProbe {
  name: string;
}

/** `per_title_ladder` of an asset, as `GET /api/v1/media/assets/{id}` returns it. */
export interface PerTitleLadder {
  method: 'per-title' | 'fallback';
  reason?: string | null;
  sample_s: number;
  probes: LadderProbe[];
  hull: LadderProbe[];
  rungs: LadderRung[];
  cpu_s: number;
  wall_s: number;
}

/** A point of AV1's hull: one of the asset's AV1 renditions, its rate and VMAF as measured. */
export interface Av1Point {
  name: string;
  kbps: number;
  vmaf: number;
}

/**
 * AV1's hull, from its renditions as encoded and scored (AV1 has no probes of its own): the
 * upper convex hull of (log bit rate, VMAF) over the scored AV1 renditions, cheapest first.
 */
export function av1Hull(renditions: Schemas['RenditionOut'][]): Av1Point[] {
  const points = renditions
    .filter((r) => r.codec === 'av1' && r.vmaf !== null && r.bitrate_kbps > 0)
    .map((r) => ({ name: r.name, kbps: r.bitrate_kbps, vmaf: r.vmaf ?? 0 }))
    .sort((a, b) => a.kbps - b.kbps || b.vmaf - a.vmaf);
  const hull: Av1Point[] = [];
  for (const point of points) {
    if (hull.length && point.vmaf <= hull[hull.length - 1].vmaf) {
      continue;
    }
    while (hull.length >= 2 && !above(hull[hull.length - 2], hull[hull.length - 1], point)) {
      hull.pop();
    }
    hull.push(point);
  }
  return hull;
}

/** Whether `b` lies above the line from `a` to `c` on log rate across. */
function above(a: Av1Point, b: Av1Point, c: Av1Point): boolean {
  const [ax, bx, cx] = [a, b, c].map((p) => Math.log(p.kbps));
  return (bx - ax) * (c.vmaf - a.vmaf) < (b.vmaf - a.vmaf) * (cx - ax);
}

/** Plot area inside the SVG's view box (user units). */
const WIDTH = 640;
const HEIGHT = 300;
const LEFT = 48;
const RIGHT = 16;
const TOP = 12;
const BOTTOM = 40;
const VMAF_TICKS = [20, 40, 60, 80, 100];

interface Scale {
  x: (kbps: number) => number;
  y: (vmaf: number) => number;
  xTicks: number[];
}

/** 1, 2, 5 × powers of ten between `low` and `high` kbit/s (the log axis's labels). */
export function rateTicks(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let power = Math.floor(Math.log10(low)); power <= Math.ceil(Math.log10(high)); power++) {
    for (const step of [1, 2, 5]) {
      const tick = step * 10 ** power;
      if (tick >= low && tick <= high) {
        ticks.push(tick);
      }
    }
  }
  return ticks;
}

/** Scales of the chart: log bit rate across, VMAF 0–100 up. */
export function ladderScale(points: { kbps: number }[]): Scale {
  const rates = points.map((p) => p.kbps).filter((kbps) => kbps > 0);
  const low = Math.min(...rates) / 1.25;
  const high = Math.max(...rates) * 1.25;
  const span = Math.log10(high) - Math.log10(low) || 1;
  return {
    x: (kbps) => LEFT + ((Math.log10(kbps) - Math.log10(low)) / span) * (WIDTH - LEFT - RIGHT),
    y: (vmaf) => TOP + (1 - Math.max(0, Math.min(100, vmaf)) / 100) * (HEIGHT - TOP - BOTTOM),
    xTicks: rateTicks(low, high),
  };
}

/**
 * The Media tab's chart of a per-title ladder: every probe encode (bit rate against VMAF),
 * their convex hull and the rungs chosen on it, AV1's hull from its renditions as measured,
 * then the same rungs as tables (the chart is hidden from assistive technologies; the tables
 * say what it shows).
 */
@Component({
  selector: 'app-studio-ladder-chart',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `<section class="panel" aria-labelledby="ladder-heading" data-testid="ladder">
    <h2 id="ladder-heading">Encoding ladder</h2>
    @if (ladder(); as l) {
      @if (l.method === 'fallback') {
        <p data-testid="ladder-fallback">The fixed ladder: {{ l.reason }}.</p>
      }
      @if (chart(); as c) {
        <figure>
          <svg
            [attr.viewBox]="viewBox"
            aria-hidden="true"
            data-testid="ladder-chart"
            preserveAspectRatio="xMidYMid meet"
          >
            @for (tick of c.yTicks; track tick.value) {
              <line
                class="grid"
                [attr.x1]="left"
                [attr.x2]="right"
                [attr.y1]="tick.at"
                [attr.y2]="tick.at"
              />
              <text class="tick" [attr.x]="left - 6" [attr.y]="tick.at + 4" text-anchor="end">
                {{ tick.value }}
              </text>
            }
            @for (tick of c.xTicks; track tick.value) {
              <line
                class="grid"
                [attr.x1]="tick.at"
                [attr.x2]="tick.at"
                [attr.y1]="top"
                [attr.y2]="bottom"
              />
              <text class="tick" [attr.x]="tick.at" [attr.y]="bottom + 16" text-anchor="middle">
                {{ tick.label }}
              </text>
            }
            <text
              class="tick"
              [attr.x]="(left + right) / 2"
              [attr.y]="bottom + 34"
              text-anchor="middle"
            >
              kbit/s
            </text>
            <text class="tick" [attr.x]="12" [attr.y]="top + 8">VMAF</text>
            <polyline class="hull" [attr.points]="c.hull" data-testid="ladder-hull" />
            @for (p of c.probes; track $index) {
              <circle class="probe" [attr.cx]="p.x" [attr.cy]="p.y" r="3" />
            }
            @for (r of c.rungs; track r.name) {
              <circle
                class="rung"
                [attr.cx]="r.x"
                [attr.cy]="r.y"
                r="6"
                data-testid="ladder-rung"
              />
              <text class="rung-label" [attr.x]="r.x + 8" [attr.y]="r.y - 8">{{ r.name }}</text>
            }
            @if (c.av1.length) {
              <polyline class="av1-hull" [attr.points]="c.av1Line" data-testid="ladder-av1-hull" />
              @for (r of c.av1; track r.name) {
                <rect class="av1-rung" [attr.x]="r.x - 4" [attr.y]="r.y - 4" width="8" height="8" />
              }
            }
          </svg>
          <figcaption>
            {{ l.probes.length }} probe encodes (grey) of {{ l.sample_s }} s of the title, their bit
            rate–quality hull (line) and the {{ l.rungs.length }} rungs chosen on it (red), listed
            below. Probes cost {{ l.cpu_s }} s of CPU.
            @if (c.av1.length) {
              AV1's hull (dashed) runs through its {{ c.av1.length }} renditions as encoded and
              scored.
            }
          </figcaption>
        </figure>
      }
      @if (l.rungs.length) {
        <div class="table-wrap">
          <table aria-label="Chosen ladder">
            <thead>
              <tr>
                <th scope="col">Rung</th>
                <th scope="col">Size</th>
                <th scope="col">CRF</th>
                <th scope="col">kbit/s</th>
                <th scope="col">VMAF</th>
              </tr>
            </thead>
            <tbody>
              @for (r of l.rungs; track r.name) {
                <tr>
                  <td>{{ r.name }}</td>
                  <td>{{ r.width }}×{{ r.height }}</td>
                  <td>{{ r.crf }}</td>
                  <td>{{ r.kbps }}</td>
                  <td>{{ r.vmaf.toFixed(1) }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
      @if (av1().length) {
        <div class="table-wrap">
          <table aria-label="AV1 ladder">
            <thead>
              <tr>
                <th scope="col">AV1 rung</th>
                <th scope="col">kbit/s</th>
                <th scope="col">VMAF</th>
              </tr>
            </thead>
            <tbody>
              @for (r of av1(); track r.name) {
                <tr>
                  <td>{{ r.name }}</td>
                  <td>{{ r.kbps }}</td>
                  <td>{{ r.vmaf.toFixed(1) }}</td>
                </tr>
              }
            </tbody>
          </table>
        </div>
      }
    }
  </section>`,
  styles: `
    svg {
      width: 100%;
      max-width: 48rem;
      height: auto;
      display: block;
    }
    .grid {
      stroke: #333;
      stroke-width: 1;
    }
    .tick {
      fill: var(--text-dim);
      font-size: 11px;
    }
    .hull {
      fill: none;
      stroke: #4fc3f7;
      stroke-width: 2;
    }
    .av1-hull {
      fill: none;
      stroke: #ffb74d;
      stroke-width: 2;
      stroke-dasharray: 6 4;
    }
    .av1-rung {
      fill: #ffb74d;
    }
    .probe {
      fill: #888;
    }
    .rung {
      fill: #e50914;
    }
    .rung-label {
      fill: var(--text);
      font-size: 12px;
    }
    figure {
      margin: 0 0 1rem;
    }
    figcaption {
      color: var(--text-dim);
      font-size: 0.85rem;
    }
  `,
})
export class LadderChart {
  readonly ladder = input.required<PerTitleLadder>();
  /** The asset's renditions: the AV1 ones, once scored, draw AV1's hull. */
  readonly renditions = input<Schemas['RenditionOut'][]>([]);

  protected readonly av1 = computed(() => av1Hull(this.renditions()));

  protected readonly viewBox = `0 0 ${WIDTH} ${HEIGHT}`;
  protected readonly left = LEFT;
  protected readonly right = WIDTH - RIGHT;
  protected readonly top = TOP;
  protected readonly bottom = HEIGHT - BOTTOM;

  protected readonly chart = computed(() => {
    const ladder = this.ladder();
    if (!ladder.probes.length) {
      return null;
    }
    const av1 = this.av1();
    const scale = ladderScale([...ladder.probes, ...av1]);
    const at = (p: { kbps: number; vmaf: number }) => ({ x: scale.x(p.kbps), y: scale.y(p.vmaf) });
    return {
      probes: ladder.probes.map(at),
      av1: av1.map((p) => ({ name: p.name, ...at(p) })),
      av1Line: av1.map((p) => `${scale.x(p.kbps)},${scale.y(p.vmaf)}`).join(' '),
      hull: ladder.hull.map((p) => `${scale.x(p.kbps)},${scale.y(p.vmaf)}`).join(' '),
      rungs: ladder.rungs.map((r) => ({ name: r.name, ...at(r) })),
      xTicks: scale.xTicks.map((value) => ({
        value,
        at: scale.x(value),
        label: value >= 1000 ? `${value / 1000}M` : `${value}`,
      })),
      yTicks: VMAF_TICKS.map((value) => ({ value, at: scale.y(value) })),
    };
  });
}

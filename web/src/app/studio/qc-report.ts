import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { Schemas } from '../api/client';
import { clock } from './format';

interface Segment {
  start_s: number;
  end_s: number;
}

interface Loudness {
  track_index: number;
  integrated_lufs: number | null;
  true_peak_dbtp: number | null;
  lra_lu: number;
}

/** The media pipeline's QC report (`media.qc.QCReport`), as the asset carries it. */
export interface QcReport {
  passed: boolean;
  problems: string[];
  warnings: string[];
  decoded_duration_s: number;
  black_segments: Segment[];
  silent_segments: Segment[];
  loudness: Loudness[];
}

const WIDTH = 1000;
const LANES = [
  { key: 'black_segments', label: 'Black', y: 8, colour: '#888' },
  { key: 'silent_segments', label: 'Silent', y: 38, colour: '#f5c518' },
] as const;

/** Black and silent stretches on a timeline, loudness per track, VMAF per rendition (SVG). */
@Component({
  selector: 'app-studio-qc-report',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `@if (report(); as qc) {
      <section class="panel" aria-labelledby="qc-heading" data-testid="qc-report">
        <h3 id="qc-heading">
          QC report
          <span class="status" [attr.data-status]="qc.passed ? 'succeeded' : 'failed'">{{
            qc.passed ? 'passed' : 'failed'
          }}</span>
        </h3>
        @for (problem of qc.problems; track problem) {
          <p class="form-error">{{ problem }}</p>
        }
        @for (warning of qc.warnings; track warning) {
          <p class="warning">⚠ {{ warning }}</p>
        }
        <svg
          class="timeline"
          [attr.viewBox]="'0 0 ' + width + ' 80'"
          role="img"
          [attr.aria-label]="timelineLabel()"
          preserveAspectRatio="none"
        >
          @for (lane of lanes; track lane.key) {
            <rect x="0" [attr.y]="lane.y" [attr.width]="width" height="22" fill="#2a2a2a" />
            @for (segment of qc[lane.key]; track segment.start_s) {
              <rect
                [attr.x]="x(segment.start_s)"
                [attr.y]="lane.y"
                [attr.width]="span(segment)"
                height="22"
                [attr.fill]="lane.colour"
              >
                <title>
                  {{ lane.label }} {{ clock(segment.start_s) }}–{{ clock(segment.end_s) }}
                </title>
              </rect>
            }
          }
        </svg>
        <div class="legend muted">
          <span>0:00</span>
          <span>Top lane: black · bottom lane: silent</span>
          <span>{{ clock(qc.decoded_duration_s) }}</span>
        </div>
        <table aria-label="Loudness">
          <thead>
            <tr>
              <th scope="col">Audio stream</th>
              <th scope="col">Integrated</th>
              <th scope="col">True peak</th>
              <th scope="col">Range</th>
            </tr>
          </thead>
          <tbody>
            @for (track of qc.loudness; track track.track_index) {
              <tr>
                <td>#{{ track.track_index }}</td>
                <td>{{ fixed(track.integrated_lufs) }} LUFS</td>
                <td>{{ fixed(track.true_peak_dbtp) }} dBTP</td>
                <td>{{ fixed(track.lra_lu) }} LU</td>
              </tr>
            } @empty {
              <tr>
                <td colspan="4" class="muted">No audio measured.</td>
              </tr>
            }
          </tbody>
        </table>
      </section>
    }
    @if (scored().length) {
      <section class="panel" aria-labelledby="vmaf-heading">
        <h3 id="vmaf-heading">VMAF per rendition</h3>
        <svg
          class="vmaf"
          [attr.viewBox]="'0 0 ' + width + ' ' + scored().length * 28"
          role="img"
          [attr.aria-label]="vmafLabel()"
        >
          @for (rendition of scored(); track rendition.name; let i = $index) {
            <text x="0" [attr.y]="i * 28 + 18" fill="currentColor" font-size="20">
              {{ rendition.name }}
            </text>
            <rect
              x="110"
              [attr.y]="i * 28 + 4"
              [attr.width]="(rendition.vmaf ?? 0) * 7.8"
              height="18"
              [attr.fill]="colour(rendition.vmaf ?? 0)"
            />
            <text
              [attr.x]="118 + (rendition.vmaf ?? 0) * 7.8"
              [attr.y]="i * 28 + 18"
              fill="currentColor"
              font-size="20"
            >
              {{ rendition.vmaf?.toFixed(1) }}
            </text>
          }
        </svg>
      </section>
    }`,
  styles: `
    h3 {
      font-size: 0.95rem;
      display: flex;
      gap: 0.5rem;
      align-items: center;
    }
    .timeline {
      width: 100%;
      height: 4rem;
      display: block;
    }
    .vmaf {
      width: 100%;
      max-width: 40rem;
      display: block;
      color: var(--text);
    }
    .legend {
      display: flex;
      justify-content: space-between;
      font-size: 0.8rem;
      margin-bottom: 0.75rem;
    }
    .warning {
      color: var(--warn);
      margin: 0.25rem 0;
    }
  `,
})
export class QcReportView {
  readonly report = input<QcReport | null>(null);
  readonly renditions = input<Schemas['RenditionOut'][]>([]);
  protected readonly width = WIDTH;
  protected readonly lanes = LANES;
  protected readonly clock = clock;
  protected readonly scored = computed(() => this.renditions().filter((r) => r.vmaf !== null));
  private readonly duration = computed(() =>
    Math.max(0.001, this.report()?.decoded_duration_s ?? 0),
  );

  protected x(seconds: number): number {
    return (seconds / this.duration()) * WIDTH;
  }

  protected span(segment: Segment): number {
    return Math.max(2, this.x(segment.end_s) - this.x(segment.start_s));
  }

  protected fixed(value: number | null): string {
    return value === null ? '—' : value.toFixed(1);
  }

  protected colour(vmaf: number): string {
    return vmaf >= 90 ? '#46d369' : vmaf >= 70 ? '#f5c518' : '#ff5c5c';
  }

  protected timelineLabel(): string {
    const qc = this.report();
    const list = (segments: Segment[]): string =>
      segments.map((s) => `${clock(s.start_s)} to ${clock(s.end_s)}`).join(', ') || 'none';
    return qc ? `Black: ${list(qc.black_segments)}. Silent: ${list(qc.silent_segments)}.` : '';
  }

  protected vmafLabel(): string {
    return this.scored()
      .map((r) => `${r.name}: VMAF ${r.vmaf?.toFixed(1)}`)
      .join(', ');
  }
}

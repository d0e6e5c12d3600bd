import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { Schemas } from '../api/client';
import { dateTime } from './format';

type Step = Schemas['StepOut'];

/** `encode:720p:chunk3` → `Encode 720p chunk 3`; `package` names encryption unless clear. */
export function stepLabel(name: string, clear: boolean): string {
  const [step, what, part] = name.split(':');
  if (step === 'encode') {
    const detail =
      what === 'audio'
        ? `audio track ${Number(part) + 1}`
        : `${what}${part ? ` ${part.replace('chunk', 'chunk ')}` : ''}`;
    return `Encode ${detail}`;
  }
  const labels: Record<string, string> = {
    probe: 'Probe',
    qc: 'QC',
    package: clear ? 'Package' : 'Package + encrypt',
    thumbnails: 'Thumbnails',
  };
  return labels[step] ?? name;
}

/** The pipeline's steps: status, progress, attempts and timing, with the failed step's reason. */
@Component({
  selector: 'app-studio-pipeline',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `<div class="table-wrap" role="region" aria-label="Pipeline steps table" tabindex="0">
    <table aria-label="Pipeline steps">
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">Status</th>
          <th scope="col">Progress</th>
          <th scope="col">Attempts</th>
          <th scope="col">Started</th>
          <th scope="col">Took</th>
          <th scope="col">Message</th>
        </tr>
      </thead>
      <tbody>
        @for (step of steps(); track step.name) {
          <tr [attr.data-step]="step.name">
            <th scope="row">{{ label(step.name) }}</th>
            <td>
              <span class="status" [attr.data-status]="step.status">{{ step.status }}</span>
            </td>
            <td>
              <progress
                max="1"
                [value]="step.progress"
                [attr.aria-label]="label(step.name) + ' progress'"
              ></progress>
              {{ percent(step.progress) }}
            </td>
            <td>{{ step.attempts }}</td>
            <td>{{ dateTime(step.started_at) }}</td>
            <td>{{ took(step) }}</td>
            <td class="message">
              @if (step.status === 'failed' || step.status === 'retrying') {
                <span class="form-error">{{ step.error }}</span>
              } @else {
                {{ step.message }}
              }
            </td>
          </tr>
        }
      </tbody>
    </table>
  </div>`,
  styles: `
    progress {
      width: 6rem;
      vertical-align: middle;
    }
    .message {
      max-width: 28rem;
      overflow-wrap: anywhere;
    }
    th[scope='row'] {
      color: var(--text);
    }
  `,
})
export class PipelineSteps {
  readonly steps = input<Step[]>([]);
  readonly clear = input(false);
  /** Now, from the polling loop, so a running step's time moves. */
  readonly now = input(Date.now());
  protected readonly dateTime = dateTime;

  protected label(name: string): string {
    return stepLabel(name, this.clear());
  }

  protected percent(progress: number): string {
    return `${Math.round(progress * 100)} %`;
  }

  protected took(step: Step): string {
    if (step.duration_s !== null) {
      return `${step.duration_s.toFixed(1)} s`;
    }
    if (step.started_at && step.status === 'running') {
      return `${Math.max(0, (this.now() - Date.parse(step.started_at)) / 1000).toFixed(0)} s…`;
    }
    return '—';
  }
}

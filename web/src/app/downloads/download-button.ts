import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, input, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { ApiError } from '../api/client';
import { viewerMessage } from '../core/problems';
import { Session } from '../core/session';
import { languageName } from '../title/format';
import { DownloadStore } from './downloads';
import { deviceId } from './vault';

/** A device holding downloads, as `download-device-limit` lists them. */
interface HoldingDevice {
  device_id: string;
  downloads: number;
  last_seen_at: string;
}

type Quality = 'standard' | 'high';

let nextId = 0;

/**
 * "Download" on a movie's page or beside an episode: opens the choices (quality, audio and
 * subtitle languages), asks for a grant and starts storing; the Downloads page shows progress.
 */
@Component({
  selector: 'app-download-button',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, RouterLink],
  template: `
    <button
      type="button"
      [attr.aria-expanded]="open()"
      [attr.aria-controls]="formId"
      [attr.aria-describedby]="describedBy() || null"
      (click)="open.set(!open())"
    >
      <span aria-hidden="true">⤓</span> Download
    </button>
    @if (open()) {
      <form class="choices" [id]="formId" (submit)="start($event)">
        <fieldset>
          <legend>Quality</legend>
          @for (option of qualities; track option.value) {
            <label class="choice">
              <input
                type="radio"
                [name]="formId + '-quality'"
                [value]="option.value"
                [checked]="quality() === option.value"
                (change)="quality.set(option.value)"
              />
              {{ option.label }}
            </label>
          }
        </fieldset>
        @if (audioLanguages().length > 1) {
          <fieldset>
            <legend>Audio</legend>
            @for (tag of audioLanguages(); track tag) {
              <label class="choice">
                <input type="checkbox" [checked]="audio().has(tag)" (change)="toggleAudio(tag)" />
                {{ name(tag) }}
              </label>
            }
          </fieldset>
        }
        @if (subtitleLanguages().length) {
          <fieldset>
            <legend>Subtitles</legend>
            @for (tag of subtitleLanguages(); track tag) {
              <label class="choice">
                <input
                  type="checkbox"
                  [checked]="subtitles().has(tag)"
                  (change)="toggleSubtitle(tag)"
                />
                {{ name(tag) }}
              </label>
            }
          </fieldset>
        }
        <button type="submit" class="light" [disabled]="busy()">Start download</button>
      </form>
    }
    @if (started(); as title) {
      <p class="notice" role="status">
        Downloading {{ title }}. Follow it in <a routerLink="/downloads">your downloads</a>.
        @if (percent() !== null) {
          <progress [attr.aria-label]="title" max="100" [value]="percent()"></progress>
        }
      </p>
    }
    @if (error()) {
      <div class="notice" role="alert">
        <p>{{ error() }}</p>
        @if (devices().length) {
          <ul aria-label="Devices with downloads">
            @for (device of devices(); track device.device_id) {
              <li>
                {{
                  device.device_id === thisDevice() ? 'This device' : 'Device ' + device.device_id
                }}: {{ device.downloads }} {{ device.downloads === 1 ? 'download' : 'downloads' }},
                last seen {{ device.last_seen_at | date: 'medium' }}
              </li>
            }
          </ul>
        }
      </div>
    }
  `,
  styles: `
    :host {
      display: contents;
    }
    .choices,
    .notice {
      flex-basis: 100%;
    }
    .choices {
      display: grid;
      gap: 0.75rem;
      margin-top: 0.75rem;
      padding: 1rem;
      border-radius: var(--radius);
      background: var(--surface);
      max-width: 24rem;
    }
    fieldset {
      border: 0;
      margin: 0;
      padding: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 0.4rem 1rem;
    }
    legend {
      color: var(--text-dim);
      margin-bottom: 0.3rem;
    }
    .choice {
      display: inline-flex;
      gap: 0.4rem;
      align-items: center;
      color: var(--text);
    }
    .choice input {
      width: auto;
    }
    progress {
      display: block;
      width: 100%;
      margin-top: 0.5rem;
      accent-color: var(--accent);
    }
  `,
})
export class DownloadButton {
  private readonly store = inject(DownloadStore);
  private readonly session = inject(Session);

  /** A movie's id, or the series' id with `episodeId`. */
  readonly titleId = input.required<string>();
  readonly episodeId = input<string | null>(null);
  readonly audioLanguages = input<string[]>([]);
  readonly subtitleLanguages = input<string[]>([]);
  /** The id of what names the download (an episode's heading), for screen readers. */
  readonly describedBy = input<string>('');

  protected readonly formId = `download-${nextId++}`;
  protected readonly qualities: { value: Quality; label: string }[] = [
    { value: 'standard', label: 'Standard (smaller)' },
    { value: 'high', label: 'High (best picture)' },
  ];
  protected readonly open = signal(false);
  protected readonly quality = signal<Quality>('standard');
  private readonly audioPicked = signal<Set<string> | null>(null);
  protected readonly audio = computed(
    () => this.audioPicked() ?? new Set(this.audioLanguages().slice(0, 1)),
  );
  protected readonly subtitles = signal(new Set<string>());
  protected readonly busy = signal(false);
  protected readonly started = signal('');
  private readonly startedId = signal('');
  /** Percent stored of the download started here, while it downloads. */
  protected readonly percent = computed(() => {
    const done = this.store.progress()[this.startedId()];
    return done === undefined ? null : Math.round(done * 100);
  });
  protected readonly error = signal('');
  protected readonly devices = signal<HoldingDevice[]>([]);
  protected readonly thisDevice = signal('');
  protected readonly name = languageName;

  protected toggleAudio(tag: string): void {
    this.audioPicked.set(toggled(this.audio(), tag));
  }

  protected toggleSubtitle(tag: string): void {
    this.subtitles.set(toggled(this.subtitles(), tag));
  }

  protected async start(event: Event): Promise<void> {
    event.preventDefault();
    this.busy.set(true);
    this.error.set('');
    this.devices.set([]);
    this.started.set('');
    const episode = this.episodeId();
    try {
      const saved = await this.store.download({
        ...(episode ? { episode_id: episode } : { title_id: this.titleId() }),
        profile_id: this.session.profile()?.id ?? '',
        quality: this.quality(),
        audio_languages: [...this.audio()],
        subtitle_languages: [...this.subtitles()],
      });
      this.started.set(saved.title);
      this.startedId.set(saved.id);
      this.open.set(false);
    } catch (error) {
      await this.refused(error);
    } finally {
      this.busy.set(false);
    }
  }

  private async refused(error: unknown): Promise<void> {
    this.error.set(navigator.onLine ? viewerMessage(error) : 'Downloading needs a connection.');
    if (error instanceof ApiError && Array.isArray(error.problem['devices'])) {
      this.devices.set(error.problem['devices'] as HoldingDevice[]);
      this.thisDevice.set(await deviceId());
    }
  }
}

function toggled(picked: Set<string>, tag: string): Set<string> {
  const next = new Set(picked);
  if (!next.delete(tag)) {
    next.add(tag);
  }
  return next;
}

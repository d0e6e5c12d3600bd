import {
  ChangeDetectionStrategy,
  Component,
  DestroyRef,
  computed,
  inject,
  signal,
} from '@angular/core';
import { ApiError, api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { dateTime, valueOf } from './format';
import { LadderChart, type PerTitleLadder } from './ladder-chart';
import { PipelineSteps, stepLabel } from './pipeline';
import { QcReportView, type QcReport } from './qc-report';
import { TitleStore } from './title-store';
import {
  type PendingUpload,
  TusUpload,
  type UploadProgress,
  forgetUpload,
  pendingUploads,
} from './tus';

type Ingest = Schemas['Ingest'];
type Asset = Schemas['AssetOut'];

const POLL_MS = 2000;
const ASSEMBLY_WAIT_MS = 120_000;
const BUSY = new Set(['pending', 'processing']);

/** The Media tab: resumable upload of a source, the pipeline's live status, QC and retries. */
@Component({
  selector: 'app-studio-title-media',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LadderChart, PipelineSteps, QcReportView],
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="upload-heading">
      <h2 id="upload-heading">Upload a source</h2>
      @for (pending of pending(); track pending.key) {
        <p class="notice">
          An upload of <strong>{{ pending.name }}</strong> stopped before it finished. Choose the
          same file to resume it.
          <button type="button" class="link" (click)="forget(pending)">Forget it</button>
        </p>
      }
      <div
        class="drop"
        [class.over]="dragging()"
        (dragover)="$event.preventDefault(); dragging.set(true)"
        (dragleave)="dragging.set(false)"
        (drop)="dropped($event)"
      >
        <label for="source-file">Source file</label>
        <input
          id="source-file"
          type="file"
          accept="video/*,.mxf,.mov,.mkv"
          (change)="picked($event)"
          [disabled]="uploading()"
        />
        <p class="muted">…or drop a video file here.</p>
      </div>
      <div class="toolbar options">
        @if (title.kind === 'series') {
          <div class="field">
            <label for="source-target">Media for</label>
            <select id="source-target" (change)="target.set(valueOf($event))">
              <option value="">Choose an episode</option>
              @for (season of title.seasons; track season.id) {
                @for (episode of season.episodes; track episode.id) {
                  <option [value]="episode.id">
                    S{{ season.number }} E{{ episode.number }}: {{ episode.original_title }}
                  </option>
                }
              }
            </select>
          </div>
        }
        <label class="check"
          ><input
            type="checkbox"
            [checked]="publishWhenReady()"
            (change)="publishWhenReady.set(!publishWhenReady())"
          />
          Publish when ready</label
        >
        <button
          class="primary"
          type="button"
          [disabled]="!file() || uploading() || (title.kind === 'series' && !target())"
          (click)="upload()"
        >
          Upload and process
        </button>
        @if (uploading()) {
          <button type="button" (click)="stop()">Stop upload</button>
        }
      </div>
      @if (progress(); as p) {
        <div class="progress" data-testid="upload-progress">
          <progress [max]="p.total || 1" [value]="p.sent" aria-label="Upload progress"></progress>
          <span aria-live="polite"
            >{{ mb(p.sent) }} of {{ mb(p.total) }} MB ({{ percent(p) }}) · {{ p.message }}</span
          >
        </div>
      }
      @if (error()) {
        <p class="form-error" role="alert">{{ error() }}</p>
      }
    </section>

    <section class="panel" aria-labelledby="ingests-heading">
      <h2 id="ingests-heading">Ingests</h2>
      <div class="table-wrap">
        <table aria-label="Ingests">
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">For</th>
              <th scope="col">Status</th>
              <th scope="col">Failed step</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            @for (ingest of ingests(); track ingest.asset_id) {
              <tr [class.chosen]="ingest.asset_id === chosenId()">
                <td>{{ dateTime(ingest.created_at) }}</td>
                <td>{{ ingest.episode_id ? episodeName(ingest.episode_id) : 'the title' }}</td>
                <td>
                  <span
                    class="status"
                    data-testid="ingest-status"
                    [attr.data-status]="ingest.status"
                    >{{ ingest.status }}</span
                  >
                </td>
                <td>{{ ingest.failed_step ? label(ingest.failed_step) : '—' }}</td>
                <td class="actions">
                  <button
                    type="button"
                    (click)="choose(ingest.asset_id)"
                    [attr.aria-pressed]="ingest.asset_id === chosenId()"
                  >
                    Show steps
                  </button>
                  @if (ingest.status === 'failed' && isLatestOfUpload(ingest)) {
                    <button type="button" (click)="retry(ingest)">Retry</button>
                  }
                </td>
              </tr>
            } @empty {
              <tr>
                <td colspan="5" class="muted">No source uploaded yet.</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
    </section>

    @if (asset(); as a) {
      <section class="panel" aria-labelledby="asset-heading" data-testid="pipeline">
        <h2 id="asset-heading">
          Pipeline
          <span class="status" data-testid="pipeline-status" [attr.data-status]="a.status">{{
            a.status
          }}</span>
          @if (a.duration_s) {
            <span class="muted">· {{ a.duration_s.toFixed(1) }} s of media</span>
          }
        </h2>
        @if (a.status === 'failed') {
          <p class="form-error" role="alert">
            {{ label(a.failed_step ?? '') }} failed: {{ a.error }}
          </p>
        }
        <app-studio-pipeline [steps]="a.steps" [clear]="a.clear" [now]="now()" />
      </section>
      <app-studio-qc-report [report]="qcOf(a)" [renditions]="a.renditions" />
      @if (ladderOf(a); as ladder) {
        <app-studio-ladder-chart [ladder]="ladder" [renditions]="a.renditions" />
      }
    }
  }`,
  styles: `
    .drop {
      border: 2px dashed #555;
      border-radius: var(--radius);
      padding: 1rem;
      margin-bottom: 0.75rem;
    }
    .drop.over {
      border-color: var(--accent);
      background: var(--surface-2);
    }
    .progress {
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
      align-items: center;
    }
    .progress progress {
      flex: 1 1 16rem;
      height: 1rem;
    }
    tr.chosen {
      background: var(--surface-2);
    }
    h2 {
      display: flex;
      gap: 0.5rem;
      align-items: center;
    }
  `,
})
export class TitleMedia {
  protected readonly store = inject(TitleStore);
  protected readonly dateTime = dateTime;
  protected readonly valueOf = valueOf;
  protected readonly file = signal<File | null>(null);
  protected readonly dragging = signal(false);
  protected readonly target = signal('');
  protected readonly publishWhenReady = signal(false);
  protected readonly progress = signal<UploadProgress | null>(null);
  protected readonly uploading = signal(false);
  protected readonly error = signal('');
  protected readonly pending = signal<PendingUpload[]>([]);
  protected readonly ingests = signal<Ingest[]>([]);
  protected readonly chosenId = signal('');
  protected readonly asset = signal<Asset | null>(null);
  protected readonly now = signal(Date.now());
  private readonly scope = computed(() => `title:${this.store.id()}`);
  private current: TusUpload | null = null;

  constructor() {
    void this.readPending();
    const timer = setInterval(() => void this.poll(), POLL_MS);
    inject(DestroyRef).onDestroy(() => {
      clearInterval(timer);
      this.current?.stop();
    });
    void this.refresh();
  }

  protected label(step: string): string {
    return stepLabel(step, this.asset()?.clear ?? false);
  }

  protected qcOf(asset: Asset): QcReport | null {
    return (asset.qc ?? null) as QcReport | null;
  }

  /** The per-title ladder's probes, hull and rungs (null for a fixed ladder). */
  protected ladderOf(asset: Asset): PerTitleLadder | null {
    return (asset.per_title_ladder ?? null) as PerTitleLadder | null;
  }

  protected mb(bytes: number): string {
    return (bytes / 1_000_000).toFixed(1);
  }

  protected percent(progress: UploadProgress): string {
    return `${progress.total ? Math.floor((progress.sent / progress.total) * 100) : 0} %`;
  }

  protected episodeName(episodeId: string): string {
    for (const season of this.store.title()?.seasons ?? []) {
      const episode = season.episodes.find((e) => e.id === episodeId);
      if (episode) {
        return `S${season.number} E${episode.number}`;
      }
    }
    return 'an episode';
  }

  protected isLatestOfUpload(ingest: Ingest): boolean {
    return (
      this.ingests().find((i) => i.upload_id === ingest.upload_id)?.asset_id === ingest.asset_id
    );
  }

  protected picked(event: Event): void {
    this.file.set((event.target as HTMLInputElement).files?.[0] ?? null);
  }

  protected dropped(event: DragEvent): void {
    event.preventDefault();
    this.dragging.set(false);
    this.file.set(event.dataTransfer?.files[0] ?? null);
  }

  protected async forget(pending: PendingUpload): Promise<void> {
    await forgetUpload(pending.key);
    await this.readPending();
  }

  /** The unfinished uploads of this title this browser remembers. */
  private async readPending(): Promise<void> {
    this.pending.set(await pendingUploads(this.scope()));
  }

  protected stop(): void {
    this.current?.stop();
  }

  protected async upload(): Promise<void> {
    const file = this.file();
    if (!file) {
      return;
    }
    this.uploading.set(true);
    this.error.set('');
    this.current = new TusUpload(file, this.scope(), (p) => this.progress.set(p));
    try {
      const uploadId = await this.current.run();
      await this.readPending();
      const ingest = await this.startIngest(uploadId);
      this.progress.update((p) => p && { ...p, message: 'Uploaded. Processing…' });
      this.chosenId.set(ingest.asset_id);
      await this.refresh();
    } catch (error) {
      if (this.progress()?.state !== 'stopped') {
        this.error.set(viewerMessage(error));
      }
      await this.readPending();
    } finally {
      this.uploading.set(false);
      this.current = null;
    }
  }

  protected async retry(ingest: Ingest): Promise<void> {
    this.error.set('');
    try {
      const path = { title_id: this.store.id(), asset_id: ingest.asset_id };
      const again = await ok(
        api.POST('/api/v1/studio/titles/{title_id}/ingests/{asset_id}/retry', { params: { path } }),
      );
      this.chosenId.set(again.asset_id);
      await this.refresh();
    } catch (error) {
      this.error.set(viewerMessage(error));
    }
  }

  protected async choose(assetId: string): Promise<void> {
    this.chosenId.set(assetId);
    await this.loadAsset();
  }

  /** The upload is joined by a background job; until then the server answers 409. */
  private async startIngest(uploadId: string): Promise<Ingest> {
    const body = {
      upload_id: uploadId,
      clear: false,
      episode_id: this.target() || null,
      publish_when_ready: this.publishWhenReady(),
    };
    const path = { title_id: this.store.id() };
    const deadline = Date.now() + ASSEMBLY_WAIT_MS;
    for (;;) {
      try {
        return await ok(
          api.POST('/api/v1/studio/titles/{title_id}/ingests', { params: { path }, body }),
        );
      } catch (error) {
        const assembling = error instanceof ApiError && error.slug === 'upload-not-finished';
        if (!assembling || Date.now() > deadline) {
          throw error;
        }
        this.progress.update((p) => p && { ...p, message: 'Uploaded. Joining the parts…' });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  }

  /** Every 2 s while something is processing: the ingests and the shown asset. */
  private async poll(): Promise<void> {
    this.now.set(Date.now());
    const shown = this.asset();
    const busy =
      this.ingests().some((i) => BUSY.has(i.status)) || (shown !== null && BUSY.has(shown.status));
    if (busy) {
      await this.refresh();
    }
  }

  private async refresh(): Promise<void> {
    const before = new Map(this.ingests().map((i) => [i.asset_id, i.status]));
    try {
      const path = { title_id: this.store.id() };
      const ingests = await ok(
        api.GET('/api/v1/studio/titles/{title_id}/ingests', { params: { path } }),
      );
      this.ingests.set(ingests);
      if (!this.chosenId() && ingests.length) {
        this.chosenId.set(ingests[0].asset_id);
      }
      await this.loadAsset();
      const finished = ingests.some(
        (i) =>
          before.has(i.asset_id) && BUSY.has(before.get(i.asset_id) ?? '') && !BUSY.has(i.status),
      );
      if (finished) {
        await this.store.load(this.store.id());
      }
    } catch (error) {
      this.error.set(viewerMessage(error));
    }
  }

  private async loadAsset(): Promise<void> {
    const assetId = this.chosenId();
    if (assetId) {
      const path = { asset_id: assetId };
      this.asset.set(await ok(api.GET('/api/v1/media/assets/{asset_id}', { params: { path } })));
    }
  }
}

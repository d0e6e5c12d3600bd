import { ChangeDetectionStrategy, Component, OnDestroy, inject, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { studioFetch } from './http';
import { TitleStore } from './title-store';

type Kind = Schemas['Artwork']['kind'];
const KINDS: readonly Kind[] = ['poster', 'backdrop', 'logo'];

/** Posters, backdrops and logos per language, with a preview before and after upload. */
@Component({
  selector: 'app-studio-title-artwork',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="artwork-heading">
      <h2 id="artwork-heading">Artwork</h2>
      <ul class="images">
        @for (image of title.artwork; track image.id) {
          <li>
            <img
              [src]="image.url"
              [alt]="image.kind + ' ' + (image.language || 'any language')"
              loading="lazy"
            />
            <span
              >{{ image.kind }} · {{ image.language || 'any language'
              }}{{ image.source === 'media' ? ' · from media' : '' }}</span
            >
            <button
              type="button"
              (click)="remove(image.id)"
              [attr.aria-label]="'Delete ' + image.kind + ' ' + (image.language || 'any language')"
            >
              Delete
            </button>
          </li>
        } @empty {
          <li class="muted">No artwork yet.</li>
        }
      </ul>
      <form class="toolbar" (submit)="upload($event, form)" #form>
        <div class="field">
          <label for="artwork-kind">Kind</label>
          <select id="artwork-kind" name="kind">
            @for (kind of kinds; track kind) {
              <option [value]="kind">{{ kind }}</option>
            }
          </select>
        </div>
        <div class="field">
          <label for="artwork-language">Language (empty: any)</label>
          <input id="artwork-language" name="language" />
        </div>
        <div class="field">
          <label for="artwork-file">Image (PNG, JPEG, WebP)</label>
          <input
            id="artwork-file"
            name="file"
            type="file"
            accept="image/png,image/jpeg,image/webp"
            required
            (change)="pick($event)"
          />
        </div>
        @if (preview()) {
          <img class="preview" [src]="preview()" alt="Preview of the chosen image" />
        }
        <button type="submit" [disabled]="store.saving()">Upload artwork</button>
      </form>
    </section>
  }`,
  styles: `
    .images {
      list-style: none;
      padding: 0;
      display: flex;
      flex-wrap: wrap;
      gap: 0.75rem;
    }
    .images li {
      display: grid;
      gap: 0.3rem;
      justify-items: start;
      width: 10rem;
    }
    .images img,
    .preview {
      max-width: 10rem;
      max-height: 8rem;
      border-radius: var(--radius);
      background: #000;
    }
  `,
})
export class TitleArtwork implements OnDestroy {
  protected readonly store = inject(TitleStore);
  protected readonly kinds = KINDS;
  protected readonly preview = signal('');

  protected pick(event: Event): void {
    const file = (event.target as HTMLInputElement).files?.[0];
    this.setPreview(file ? URL.createObjectURL(file) : '');
  }

  protected async upload(event: Event, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    const body = new FormData(form);
    const saved = await this.store.save('Artwork', () =>
      studioFetch(`/api/v1/studio/titles/${this.store.id()}/artwork`, { method: 'POST', body }),
    );
    if (saved) {
      form.reset();
      this.setPreview('');
    }
  }

  protected remove(artworkId: string): void {
    const path = { artwork_id: artworkId };
    void this.store.save('Artwork removal', () =>
      ok(api.DELETE('/api/v1/studio/artwork/{artwork_id}', { params: { path } })),
    );
  }

  ngOnDestroy(): void {
    this.setPreview('');
  }

  private setPreview(url: string): void {
    if (this.preview()) {
      URL.revokeObjectURL(this.preview());
    }
    this.preview.set(url);
  }
}

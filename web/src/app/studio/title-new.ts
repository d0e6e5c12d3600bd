import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { formFields, splitList } from './format';

type Kind = Schemas['TitleCreate']['kind'];

/** Create a movie or a series (draft); the editor opens on it. */
@Component({
  selector: 'app-studio-title-new',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `<main class="page">
    <h1>New title</h1>
    <form class="panel form" (submit)="create($event, form)" #form>
      <fieldset class="field">
        <legend>Kind</legend>
        <label class="check"><input type="radio" name="kind" value="movie" checked /> Movie</label>
        <label class="check"><input type="radio" name="kind" value="series" /> Series</label>
      </fieldset>
      <div class="grid-2">
        <div class="field">
          <label for="new-title">Original title</label>
          <input id="new-title" name="original_title" required maxlength="300" />
        </div>
        <div class="field">
          <label for="new-language">Original language</label>
          <input id="new-language" name="original_language" value="en" required maxlength="16" />
        </div>
        <div class="field">
          <label for="new-year">Release year</label>
          <input id="new-year" name="release_year" type="number" min="1870" max="2100" />
        </div>
        <div class="field">
          <label for="new-genres">Genres (comma-separated)</label>
          <input id="new-genres" name="genres" />
        </div>
      </div>
      <div class="field">
        <label for="new-synopsis">Synopsis</label>
        <textarea id="new-synopsis" name="synopsis" rows="3" maxlength="5000"></textarea>
      </div>
      @if (error()) {
        <p class="form-error" role="alert">{{ error() }}</p>
      }
      <button class="primary" type="submit" [disabled]="busy()">Create title</button>
    </form>
  </main>`,
  styles: `
    .form {
      max-width: 48rem;
    }
    fieldset {
      border: 0;
      padding: 0;
      display: flex;
      gap: 1rem;
    }
    legend {
      color: var(--text-dim);
      margin-bottom: 0.3rem;
    }
  `,
})
export class TitleNew {
  private readonly router = inject(Router);
  protected readonly error = signal('');
  protected readonly busy = signal(false);

  protected async create(event: Event, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    const text = formFields(form);
    const year = text('release_year');
    this.busy.set(true);
    this.error.set('');
    try {
      const title = await ok(
        api.POST('/api/v1/studio/titles', {
          body: {
            kind: text('kind') as Kind,
            original_title: text('original_title'),
            original_language: text('original_language'),
            synopsis: text('synopsis'),
            release_year: year ? Number(year) : null,
            genres: splitList(text('genres')),
          },
        }),
      );
      await this.router.navigate(['/studio/titles', title.id]);
    } catch (error) {
      this.error.set(viewerMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}

import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { TitleArtwork } from './artwork';
import { TitleCredits } from './credits';
import { TitleEpisodes } from './episodes';
import { formFields, splitList } from './format';
import { TitleRatings } from './ratings';
import { TitleTexts } from './texts';
import { type StudioTitle, TitleStore } from './title-store';

type TitleUpdate = Schemas['TitleUpdate'];

/** The Details tab: basic facts, texts per language, people, ratings, artwork, episodes. */
@Component({
  selector: 'app-studio-title-details',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [TitleTexts, TitleCredits, TitleRatings, TitleArtwork, TitleEpisodes],
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="basics-heading">
      <h2 id="basics-heading">Basics</h2>
      <form (submit)="save($event, form)" #form>
        <div class="grid-2">
          <div class="field">
            <label for="basics-title">Original title</label>
            <input
              id="basics-title"
              name="original_title"
              [value]="title.original_title"
              required
            />
          </div>
          <div class="field">
            <label for="basics-language">Original language</label>
            <input
              id="basics-language"
              name="original_language"
              [value]="title.original_language"
              required
            />
          </div>
          <div class="field">
            <label for="basics-year">Release year</label>
            <input
              id="basics-year"
              name="release_year"
              type="number"
              min="1870"
              max="2100"
              [value]="title.release_year ?? ''"
            />
          </div>
          <div class="field">
            <label for="basics-runtime">Runtime (minutes)</label>
            <input
              id="basics-runtime"
              name="runtime"
              type="number"
              min="0"
              [value]="minutes(title.runtime_s)"
            />
          </div>
          <div class="field">
            <label for="basics-genres">Genres (comma-separated)</label>
            <input id="basics-genres" name="genres" [value]="title.genres.join(', ')" />
          </div>
          <div class="field">
            <label for="basics-tags">Tags (comma-separated)</label>
            <input id="basics-tags" name="tags" [value]="title.tags.join(', ')" />
          </div>
          <div class="field">
            <label for="basics-countries">Production countries (ISO codes)</label>
            <input
              id="basics-countries"
              name="countries"
              [value]="title.production_countries.join(', ')"
            />
          </div>
        </div>
        <div class="field">
          <label for="basics-synopsis">Original synopsis</label>
          <textarea
            id="basics-synopsis"
            name="synopsis"
            rows="3"
            [value]="title.synopsis"
          ></textarea>
        </div>
        <button class="primary" type="submit" [disabled]="store.saving()">Save details</button>
      </form>
    </section>
    <app-studio-title-texts />
    @if (title.kind === 'series') {
      <app-studio-title-episodes />
    }
    <app-studio-title-credits />
    <app-studio-title-ratings />
    <app-studio-title-artwork />
  }`,
})
export class TitleDetails {
  protected readonly store = inject(TitleStore);

  protected minutes(seconds: number | null): string {
    return seconds === null ? '' : String(Math.round(seconds / 60));
  }

  /** PATCH only what the editor changed: the runtime field is in whole minutes, so an
   * untouched field must not round away the pipeline's runtime in seconds. */
  protected save(event: Event, form: HTMLFormElement): void {
    event.preventDefault();
    const title = this.store.title();
    if (!title) {
      return;
    }
    const text = formFields(form);
    const year = text('release_year');
    const runtime = text('runtime');
    const edited: TitleUpdate = {
      original_title: text('original_title'),
      original_language: text('original_language'),
      synopsis: text('synopsis'),
      release_year: year ? Number(year) : null,
      runtime_s: runtime === this.minutes(title.runtime_s) ? title.runtime_s : Number(runtime) * 60,
      genres: splitList(text('genres')),
      tags: splitList(text('tags')),
      production_countries: splitList(text('countries')).map((c) => c.toUpperCase()),
    };
    const body = changedFields(title, edited);
    const path = { title_id: title.id };
    void this.store.save('Details', () =>
      ok(api.PATCH('/api/v1/studio/titles/{title_id}', { params: { path }, body })),
    );
  }
}

/** The fields of `edited` whose value differs from the title's. */
function changedFields(title: StudioTitle, edited: TitleUpdate): TitleUpdate {
  const current: Record<string, unknown> = title;
  return Object.fromEntries(
    Object.entries(edited).filter(
      ([field, value]) => JSON.stringify(current[field]) !== JSON.stringify(value),
    ),
  );
}

import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { api, ok } from '../api/client';
import { formFields, valueOf } from './format';
import { TitleStore } from './title-store';

/** Localized titles and synopses, one column per language, beside the original. */
@Component({
  selector: 'app-studio-title-texts',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="texts-heading">
      <h2 id="texts-heading">Texts by language</h2>
      <div class="languages">
        <article class="language" aria-label="Original ({{ title.original_language }})">
          <h3>Original · {{ title.original_language }}</h3>
          <p class="strong">{{ title.original_title }}</p>
          <p class="muted">{{ title.synopsis || 'No synopsis yet.' }}</p>
        </article>
        @for (language of languages(); track language) {
          <form
            class="language"
            [attr.aria-label]="'Texts in ' + language"
            (submit)="save($event, language, form)"
            #form
          >
            <h3>{{ language }}</h3>
            <div class="field">
              <label [for]="'text-title-' + language">Title in {{ language }}</label>
              <input
                [id]="'text-title-' + language"
                name="title"
                required
                [value]="title.localizations[language]?.title ?? ''"
              />
            </div>
            <div class="field">
              <label [for]="'text-synopsis-' + language">Synopsis in {{ language }}</label>
              <textarea
                [id]="'text-synopsis-' + language"
                name="synopsis"
                rows="4"
                [value]="title.localizations[language]?.synopsis ?? ''"
              ></textarea>
            </div>
            <div class="actions">
              <button class="primary" type="submit" [disabled]="store.saving()">
                Save {{ language }}
              </button>
              @if (title.localizations[language]) {
                <button type="button" (click)="remove(language)">Remove {{ language }}</button>
              }
            </div>
          </form>
        }
      </div>
      <div class="toolbar add">
        <div class="field">
          <label for="text-new-language">Language (BCP 47, e.g. fr, pt-BR)</label>
          <input
            id="text-new-language"
            [value]="newLanguage()"
            (input)="newLanguage.set(valueOf($event))"
          />
        </div>
        <button type="button" (click)="addLanguage()">Add language</button>
      </div>
    </section>
  }`,
  styles: `
    .languages {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr));
      gap: 0.75rem;
    }
    .language {
      border: 1px solid #333;
      border-radius: var(--radius);
      padding: 0.6rem 0.75rem;
    }
    h3 {
      font-size: 0.95rem;
      margin: 0 0 0.5rem;
    }
    .strong {
      font-weight: 600;
    }
  `,
})
export class TitleTexts {
  protected readonly store = inject(TitleStore);
  protected readonly valueOf = valueOf;
  protected readonly newLanguage = signal('');
  private readonly added = signal<string[]>([]);
  protected readonly languages = computed(() => {
    const saved = Object.keys(this.store.title()?.localizations ?? {});
    return [...new Set([...saved, ...this.added()])];
  });

  protected addLanguage(): void {
    const language = this.newLanguage().trim();
    if (language) {
      this.added.update((list) => [...list, language]);
      this.newLanguage.set('');
    }
  }

  protected save(event: Event, language: string, form: HTMLFormElement): void {
    event.preventDefault();
    const field = formFields(form);
    const body = { title: field('title'), synopsis: field('synopsis') };
    const path = { title_id: this.store.id(), language };
    void this.store.save(`Texts in ${language}`, () =>
      ok(
        api.PUT('/api/v1/studio/titles/{title_id}/localizations/{language}', {
          params: { path },
          body,
        }),
      ),
    );
  }

  protected async remove(language: string): Promise<void> {
    const path = { title_id: this.store.id(), language };
    this.added.update((list) => list.filter((l) => l !== language));
    await this.store.save(`Removal of ${language}`, () =>
      ok(
        api.DELETE('/api/v1/studio/titles/{title_id}/localizations/{language}', {
          params: { path },
        }),
      ),
    );
  }
}

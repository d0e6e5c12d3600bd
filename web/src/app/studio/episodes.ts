import { ChangeDetectionStrategy, Component, computed, inject } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { clock, formFields } from './format';
import { TitleStore } from './title-store';

type Episode = Schemas['StudioEpisode'];

/** A series' seasons and episodes: add them, rename episodes and write their texts per language; media is on the Media tab. */
@Component({
  selector: 'app-studio-title-episodes',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="episodes-heading">
      <h2 id="episodes-heading">Seasons and episodes</h2>
      @for (season of title.seasons; track season.id) {
        <div class="season" [attr.aria-label]="'Season ' + season.number" role="group">
          <h3>Season {{ season.number }}</h3>
          <div class="table-wrap">
            <table [attr.aria-label]="'Episodes of season ' + season.number">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Title</th>
                  <th scope="col">Runtime</th>
                  <th scope="col">Media</th>
                  <th scope="col">Texts by language</th>
                </tr>
              </thead>
              <tbody>
                @for (episode of season.episodes; track episode.id) {
                  <tr>
                    <td>{{ episode.number }}</td>
                    <td>
                      <input
                        [attr.aria-label]="'Title of S' + season.number + ' E' + episode.number"
                        [value]="episode.original_title"
                        (change)="rename(episode.id, $event)"
                      />
                    </td>
                    <td>{{ clock(episode.runtime_s) }}</td>
                    <td>{{ episode.asset_id ? 'attached' : 'none' }}</td>
                    <td>
                      <details>
                        <summary>
                          Texts in {{ languagesOf(episode).join(', ') || 'no language yet' }}
                        </summary>
                        @for (language of languagesOf(episode); track language) {
                          <form
                            class="text"
                            (submit)="saveText($event, episode.id, language, text)"
                            #text
                          >
                            <input
                              name="title"
                              required
                              [attr.aria-label]="
                                'Title of S' +
                                season.number +
                                ' E' +
                                episode.number +
                                ' in ' +
                                language
                              "
                              [placeholder]="'Title in ' + language"
                              [value]="episode.localizations[language]?.title ?? ''"
                            />
                            <textarea
                              name="synopsis"
                              rows="2"
                              [attr.aria-label]="
                                'Synopsis of S' +
                                season.number +
                                ' E' +
                                episode.number +
                                ' in ' +
                                language
                              "
                              [placeholder]="'Synopsis in ' + language"
                              [value]="episode.localizations[language]?.synopsis ?? ''"
                            ></textarea>
                            <button
                              type="submit"
                              [attr.aria-label]="
                                'Save S' + season.number + ' E' + episode.number + ' in ' + language
                              "
                            >
                              Save {{ language }}
                            </button>
                          </form>
                        } @empty {
                          <p class="muted">Add a language to the title's texts first.</p>
                        }
                      </details>
                    </td>
                  </tr>
                } @empty {
                  <tr>
                    <td colspan="5" class="muted">No episodes yet.</td>
                  </tr>
                }
              </tbody>
            </table>
          </div>
          <form
            class="toolbar add"
            (submit)="addEpisode($event, season.id, season.number, form)"
            #form
          >
            <div class="field">
              <label [for]="'episode-number-' + season.id">Episode number</label>
              <input
                [id]="'episode-number-' + season.id"
                name="number"
                type="number"
                min="1"
                required
                [value]="season.episodes.length + 1"
              />
            </div>
            <div class="field">
              <label [for]="'episode-title-' + season.id">Episode title</label>
              <input [id]="'episode-title-' + season.id" name="title" required />
            </div>
            <button type="submit" [disabled]="store.saving()">
              Add episode to season {{ season.number }}
            </button>
          </form>
        </div>
      }
      <form class="toolbar add" (submit)="addSeason($event, form)" #form>
        <div class="field">
          <label for="season-number">Season number</label>
          <input
            id="season-number"
            name="number"
            type="number"
            min="0"
            required
            [value]="nextSeason()"
          />
        </div>
        <button type="submit" [disabled]="store.saving()">Add season</button>
      </form>
    </section>
  }`,
  styles: `
    .season {
      border-top: 1px solid #333;
      padding-top: 0.5rem;
    }
    h3 {
      font-size: 0.95rem;
    }
    .text {
      display: grid;
      gap: 0.3rem;
      margin: 0.4rem 0;
      min-width: 14rem;
    }
  `,
})
export class TitleEpisodes {
  protected readonly store = inject(TitleStore);
  protected readonly clock = clock;
  protected readonly nextSeason = computed(
    () => Math.max(0, ...(this.store.title()?.seasons ?? []).map((s) => s.number)) + 1,
  );

  /** The title's languages and any the episode has on its own. */
  protected languagesOf(episode: Episode): string[] {
    const title = Object.keys(this.store.title()?.localizations ?? {});
    return [...new Set([...title, ...Object.keys(episode.localizations)])];
  }

  protected saveText(
    event: Event,
    episodeId: string,
    language: string,
    form: HTMLFormElement,
  ): void {
    event.preventDefault();
    const field = formFields(form);
    const body = { title: field('title'), synopsis: field('synopsis') };
    const path = { title_id: this.store.id(), episode_id: episodeId, language };
    void this.store.save(`Episode texts in ${language}`, () =>
      ok(
        api.PUT('/api/v1/studio/titles/{title_id}/episodes/{episode_id}/localizations/{language}', {
          params: { path },
          body,
        }),
      ),
    );
  }

  protected addSeason(event: Event, form: HTMLFormElement): void {
    event.preventDefault();
    const number = Number(formFields(form)('number'));
    const path = { title_id: this.store.id() };
    void this.store.save(`Season ${number}`, () =>
      ok(
        api.POST('/api/v1/studio/titles/{title_id}/seasons', {
          params: { path },
          body: { number, synopsis: '' },
        }),
      ),
    );
  }

  protected addEpisode(
    event: Event,
    seasonId: string,
    season: number,
    form: HTMLFormElement,
  ): void {
    event.preventDefault();
    const field = formFields(form);
    const body = {
      number: Number(field('number')),
      original_title: field('title'),
      synopsis: '',
    };
    const path = { season_id: seasonId };
    void this.store.save(`S${season} E${body.number}`, () =>
      ok(api.POST('/api/v1/studio/seasons/{season_id}/episodes', { params: { path }, body })),
    );
  }

  protected rename(episodeId: string, event: Event): void {
    const original_title = (event.target as HTMLInputElement).value.trim();
    const path = { episode_id: episodeId };
    void this.store.save('Episode title', () =>
      ok(
        api.PATCH('/api/v1/studio/episodes/{episode_id}', {
          params: { path },
          body: { original_title },
        }),
      ),
    );
  }
}

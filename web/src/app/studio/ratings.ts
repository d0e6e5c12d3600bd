import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { api, ok } from '../api/client';
import { formFields } from './format';
import { TitleStore } from './title-store';

/** Ratings per territory (`*` is the default rating), with the maturity each maps to. */
@Component({
  selector: 'app-studio-title-ratings',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="ratings-heading">
      <h2 id="ratings-heading">Ratings</h2>
      <div class="table-wrap">
        <table aria-label="Ratings">
          <thead>
            <tr>
              <th scope="col">Territory</th>
              <th scope="col">System</th>
              <th scope="col">Rating</th>
              <th scope="col">Maturity</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            @for (rating of title.ratings; track rating.territory) {
              <tr>
                <td>{{ rating.territory === '*' ? 'Default (*)' : rating.territory }}</td>
                <td>{{ rating.system }}</td>
                <td>{{ rating.value }}</td>
                <td>{{ rating.maturity }}</td>
                <td>
                  <button
                    type="button"
                    (click)="remove(rating.territory)"
                    [attr.aria-label]="'Remove rating in ' + rating.territory"
                  >
                    Remove
                  </button>
                </td>
              </tr>
            } @empty {
              <tr>
                <td colspan="5" class="muted">
                  Not rated yet: viewers everywhere see it as adult.
                </td>
              </tr>
            }
          </tbody>
        </table>
      </div>
      <form class="toolbar add" (submit)="save($event, form)" #form>
        <div class="field">
          <label for="rating-territory">Territory (ISO code or *)</label>
          <input id="rating-territory" name="territory" required maxlength="2" value="*" />
        </div>
        <div class="field">
          <label for="rating-system">System (optional)</label>
          <input id="rating-system" name="system" placeholder="MPA, BBFC, FSK…" />
        </div>
        <div class="field">
          <label for="rating-value">Rating</label>
          <input id="rating-value" name="value" required maxlength="16" placeholder="PG-13" />
        </div>
        <button type="submit" [disabled]="store.saving()">Save rating</button>
      </form>
    </section>
  }`,
})
export class TitleRatings {
  protected readonly store = inject(TitleStore);

  protected async save(event: Event, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    const text = formFields(form);
    const path = { title_id: this.store.id(), territory: text('territory').toUpperCase() };
    const body = { system: text('system') || null, value: text('value') };
    const saved = await this.store.save(`Rating in ${path.territory}`, () =>
      ok(
        api.PUT('/api/v1/studio/titles/{title_id}/ratings/{territory}', { params: { path }, body }),
      ),
    );
    if (saved) {
      form.reset();
    }
  }

  protected remove(territory: string): void {
    const path = { title_id: this.store.id(), territory };
    void this.store.save(`Removal of the rating in ${territory}`, () =>
      ok(api.DELETE('/api/v1/studio/titles/{title_id}/ratings/{territory}', { params: { path } })),
    );
  }
}

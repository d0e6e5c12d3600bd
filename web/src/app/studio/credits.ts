import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { formFields, valueOf } from './format';
import { TitleStore } from './title-store';

type Role = Schemas['CreditIn']['role'];
type Person = Schemas['Person'];

const ROLES: readonly Role[] = [
  'actor',
  'voice',
  'director',
  'writer',
  'creator',
  'producer',
  'composer',
];

/** Cast and crew in billing order; people are found by name or created on the fly. */
@Component({
  selector: 'app-studio-title-credits',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `@if (store.title(); as title) {
    <section class="panel" aria-labelledby="credits-heading">
      <h2 id="credits-heading">People</h2>
      <div class="table-wrap">
        <table aria-label="Credits">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Character</th>
              <th scope="col"><span class="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            @for (credit of title.credits; track $index) {
              <tr>
                <td>{{ $index + 1 }}</td>
                <td>{{ credit.name }}</td>
                <td>{{ credit.role }}</td>
                <td>{{ credit.character || '—' }}</td>
                <td>
                  <button
                    type="button"
                    (click)="remove($index)"
                    [attr.aria-label]="'Remove ' + credit.name + ' (' + credit.role + ')'"
                  >
                    Remove
                  </button>
                </td>
              </tr>
            } @empty {
              <tr>
                <td colspan="5" class="muted">No people credited yet.</td>
              </tr>
            }
          </tbody>
        </table>
      </div>
      <form class="toolbar add" (submit)="add($event, form)" #form>
        <div class="field">
          <label for="credit-person">Person</label>
          <input
            id="credit-person"
            name="person"
            list="credit-people"
            required
            autocomplete="off"
            (input)="find(valueOf($event))"
          />
          <datalist id="credit-people">
            @for (person of found(); track person.id) {
              <option [value]="person.name"></option>
            }
          </datalist>
        </div>
        <div class="field">
          <label for="credit-role">Role</label>
          <select id="credit-role" name="role">
            @for (role of roles; track role) {
              <option [value]="role">{{ role }}</option>
            }
          </select>
        </div>
        <div class="field">
          <label for="credit-character">Character</label>
          <input id="credit-character" name="character" />
        </div>
        <button type="submit" [disabled]="store.saving()">Add credit</button>
      </form>
    </section>
  }`,
})
export class TitleCredits {
  protected readonly store = inject(TitleStore);
  protected readonly roles = ROLES;
  protected readonly valueOf = valueOf;
  protected readonly found = signal<Person[]>([]);

  protected async find(name: string): Promise<void> {
    const q = name.trim();
    this.found.set(
      q ? await ok(api.GET('/api/v1/studio/people', { params: { query: { q } } })) : [],
    );
  }

  protected async add(event: Event, form: HTMLFormElement): Promise<void> {
    event.preventDefault();
    const field = formFields(form);
    const name = field('person');
    const role = ROLES.find((r) => r === field('role')) ?? 'actor';
    const character = field('character');
    const saved = await this.store.save('People', async () => {
      const person = await this.person(name);
      return this.replace([...this.current(), { person_id: person.id, role, character }]);
    });
    if (saved) {
      form.reset();
    }
  }

  protected remove(index: number): void {
    void this.store.save('People', () =>
      this.replace(this.current().filter((_, i) => i !== index)),
    );
  }

  private current(): Schemas['CreditIn'][] {
    return (this.store.title()?.credits ?? []).map((c) => ({
      person_id: c.person_id,
      role: ROLES.find((r) => r === c.role) ?? 'actor',
      character: c.character,
    }));
  }

  private async person(name: string): Promise<Person> {
    const known = await ok(api.GET('/api/v1/studio/people', { params: { query: { q: name } } }));
    const same = known.find((p) => p.name.toLowerCase() === name.toLowerCase());
    return same ?? ok(api.POST('/api/v1/studio/people', { body: { name } }));
  }

  private replace(credits: Schemas['CreditIn'][]): Promise<unknown> {
    const path = { title_id: this.store.id() };
    return ok(
      api.PUT('/api/v1/studio/titles/{title_id}/credits', { params: { path }, body: credits }),
    );
  }
}

import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { dateTime, valueOf } from './format';

const SPANS = [7, 30, 90, 365] as const;

/** Licence windows ending soon, soonest first, across the catalog. */
@Component({
  selector: 'app-studio-expiring',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  styleUrl: './studio.css',
  template: `<main class="page">
    <h1>Expiring licences</h1>
    <div class="toolbar">
      <div class="field">
        <label for="expiring-days">Ending within</label>
        <select id="expiring-days" (change)="load(+valueOf($event))">
          @for (days of spans; track days) {
            <option [value]="days" [selected]="days === 30">{{ days }} days</option>
          }
        </select>
      </div>
    </div>
    @if (error()) {
      <p class="form-error" role="alert">{{ error() }}</p>
    }
    <div class="table-wrap" role="region" aria-label="Expiring licence windows table" tabindex="0">
      <table aria-label="Expiring licence windows">
        <thead>
          <tr>
            <th scope="col">Ends</th>
            <th scope="col">Title</th>
            <th scope="col">Status</th>
            <th scope="col">Territories</th>
            <th scope="col">Licensor</th>
          </tr>
        </thead>
        <tbody>
          @for (window of windows(); track window.id) {
            <tr>
              <td>{{ dateTime(window.ends_at) }}</td>
              <td>
                <a [routerLink]="['/studio/titles', window.title_id, 'licences']">{{
                  window.original_title
                }}</a>
              </td>
              <td>
                <span class="status" [attr.data-status]="window.status">{{ window.status }}</span>
              </td>
              <td>{{ window.territories.join(', ') }}</td>
              <td>{{ window.licensor || '—' }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="5" class="muted">No window ends in that time.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  </main>`,
})
export class ExpiringWindows {
  protected readonly spans = SPANS;
  protected readonly valueOf = valueOf;
  protected readonly dateTime = dateTime;
  protected readonly windows = signal<Schemas['ExpiringWindow'][]>([]);
  protected readonly error = signal('');

  constructor() {
    void this.load(30);
  }

  protected async load(days: number): Promise<void> {
    this.error.set('');
    try {
      const query = { days };
      this.windows.set(
        await ok(api.GET('/api/v1/studio/reports/expiring-windows', { params: { query } })),
      );
    } catch (error) {
      this.error.set(viewerMessage(error));
    }
  }
}

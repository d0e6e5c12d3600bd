import { ChangeDetectionStrategy, Component, computed, signal } from '@angular/core';
import { RouterLink } from '@angular/router';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { dateTime, valueOf } from './format';

type Summary = Schemas['StudioTitleSummary'];
type SortKey = 'original_title' | 'kind' | 'release_year' | 'state' | 'updated_at';
type TitleStatus = Schemas['StudioTitle']['status'];

const STATUSES: readonly TitleStatus[] = ['draft', 'published', 'retired'];
const COLUMNS: readonly { key: SortKey; label: string }[] = [
  { key: 'original_title', label: 'Title' },
  { key: 'kind', label: 'Kind' },
  { key: 'release_year', label: 'Year' },
  { key: 'state', label: 'Status' },
  { key: 'updated_at', label: 'Updated' },
];

/** What the list shows as a title's state: published/retired, else where its media stands. */
export function titleState(row: Summary): string {
  if (row.status !== 'draft') {
    return row.status;
  }
  const media = row.media_status;
  if (media === 'pending' || media === 'processing') {
    return 'processing';
  }
  return media === 'ready' || media === 'failed' ? media : 'draft';
}

export function availability(row: Summary): string {
  const countries = row.licensed_now ?? [];
  if (countries.includes('*')) {
    return 'Everywhere';
  }
  return countries.length ? countries.join(', ') : 'Not licensed now';
}

/** The studio's catalog: search, filter by status, sort, state and availability at a glance. */
@Component({
  selector: 'app-studio-titles',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [RouterLink],
  styleUrl: './studio.css',
  template: `<main class="page">
    <div class="actions heading">
      <h1>Titles</h1>
      <a class="button primary" routerLink="/studio/new">New title</a>
    </div>
    <div class="toolbar" role="search">
      <div class="field">
        <label for="title-query">Find titles</label>
        <input id="title-query" type="search" [value]="query()" (input)="search(valueOf($event))" />
      </div>
      <div class="field">
        <label for="title-status">Status</label>
        <select id="title-status" (change)="filter(valueOf($event))">
          <option value="">All</option>
          @for (status of statuses; track status) {
            <option [value]="status">{{ status }}</option>
          }
        </select>
      </div>
      <p class="muted" aria-live="polite">{{ total() }} {{ total() === 1 ? 'title' : 'titles' }}</p>
    </div>
    @if (error()) {
      <p class="form-error" role="alert">{{ error() }}</p>
    }
    <div class="table-wrap">
      <table aria-label="Titles">
        <thead>
          <tr>
            @for (column of columns; track column.key) {
              <th scope="col" [attr.aria-sort]="ariaSort(column.key)">
                <button class="link" type="button" (click)="sortBy(column.key)">
                  {{ column.label }}{{ arrow(column.key) }}
                </button>
              </th>
            }
            <th scope="col">Licensed now</th>
          </tr>
        </thead>
        <tbody>
          @for (row of sorted(); track row.id) {
            <tr [attr.data-title-id]="row.id">
              <td>
                <a [routerLink]="['/studio/titles', row.id]">{{ row.original_title }}</a>
              </td>
              <td>{{ row.kind }}</td>
              <td>{{ row.release_year ?? '—' }}</td>
              <td>
                <span class="status" [attr.data-status]="state(row)">{{ state(row) }}</span>
              </td>
              <td>{{ dateTime(row.updated_at) }}</td>
              <td>{{ availability(row) }}</td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6" class="muted">{{ loading() ? 'Loading…' : 'No titles match.' }}</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
    <div class="actions pager">
      <button type="button" [disabled]="page() === 1" (click)="go(-1)">Previous page</button>
      <span>Page {{ page() }} of {{ pages() }}</span>
      <button type="button" [disabled]="page() >= pages()" (click)="go(1)">Next page</button>
    </div>
  </main>`,
  styles: `
    .heading {
      justify-content: space-between;
    }
    .pager {
      margin-top: 1rem;
    }
  `,
})
export class StudioTitles {
  protected readonly statuses = STATUSES;
  protected readonly columns = COLUMNS;
  protected readonly valueOf = valueOf;
  protected readonly dateTime = dateTime;
  protected readonly state = titleState;
  protected readonly availability = availability;

  protected readonly query = signal('');
  protected readonly status = signal<TitleStatus | ''>('');
  protected readonly page = signal(1);
  protected readonly rows = signal<Summary[]>([]);
  protected readonly total = signal(0);
  protected readonly pageSize = signal(40);
  protected readonly loading = signal(true);
  protected readonly error = signal('');
  protected readonly sort = signal<{ key: SortKey; ascending: boolean }>({
    key: 'updated_at',
    ascending: false,
  });
  protected readonly pages = computed(() => Math.max(1, Math.ceil(this.total() / this.pageSize())));
  protected readonly sorted = computed(() => {
    const { key, ascending } = this.sort();
    const value = (row: Summary): string | number =>
      key === 'state' ? titleState(row) : (row[key] ?? '');
    return [...this.rows()].sort((a, b) => {
      const order = value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0;
      return ascending ? order : -order;
    });
  });

  private searchTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    void this.load();
  }

  protected search(text: string): void {
    this.query.set(text);
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => {
      this.page.set(1);
      void this.load();
    }, 250);
  }

  protected filter(status: string): void {
    this.status.set(STATUSES.find((s) => s === status) ?? '');
    this.page.set(1);
    void this.load();
  }

  protected go(step: number): void {
    this.page.update((page) => page + step);
    void this.load();
  }

  protected sortBy(key: SortKey): void {
    this.sort.update((sort) => ({ key, ascending: sort.key === key ? !sort.ascending : true }));
  }

  protected ariaSort(key: SortKey): 'ascending' | 'descending' | null {
    const sort = this.sort();
    return sort.key === key ? (sort.ascending ? 'ascending' : 'descending') : null;
  }

  protected arrow(key: SortKey): string {
    const sort = this.sort();
    return sort.key === key ? (sort.ascending ? ' ▲' : ' ▼') : '';
  }

  private async load(): Promise<void> {
    this.loading.set(true);
    this.error.set('');
    try {
      const query = {
        page: this.page(),
        q: this.query().trim() || undefined,
        status: this.status() || undefined,
      };
      const answer = await ok(api.GET('/api/v1/studio/titles', { params: { query } }));
      this.rows.set(answer.items);
      this.total.set(answer.total);
      this.pageSize.set(answer.page_size);
    } catch (error) {
      this.error.set(viewerMessage(error));
    } finally {
      this.loading.set(false);
    }
  }
}

import { ChangeDetectionStrategy, Component, effect, inject, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';
import { Session } from '../core/session';
import { dateTime } from './format';
import { TitleStore } from './title-store';

type Entry = Schemas['AuditEntry'];

/** The title's audit log, newest first: who changed what (old → new) and when. */
@Component({
  selector: 'app-studio-title-audit',
  changeDetection: ChangeDetectionStrategy.OnPush,
  styleUrl: './studio.css',
  template: `<section class="panel" aria-labelledby="audit-heading">
    <h2 id="audit-heading">Audit log</h2>
    @if (error()) {
      <p class="form-error" role="alert">{{ error() }}</p>
    }
    <div class="table-wrap" role="region" aria-label="Audit log table" tabindex="0">
      <table aria-label="Audit log">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
            <th scope="col">Changes</th>
          </tr>
        </thead>
        <tbody>
          @for (entry of entries(); track entry.id) {
            <tr>
              <td class="nowrap">{{ dateTime(entry.at) }}</td>
              <td>{{ who(entry.actor_id) }}</td>
              <td>{{ entry.entity }} · {{ entry.action }}</td>
              <td>
                <dl>
                  @for (change of changes(entry); track change.field) {
                    <dt>{{ change.field }}</dt>
                    <dd>{{ change.text }}</dd>
                  }
                </dl>
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="4" class="muted">Nothing recorded yet.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>
  </section>`,
  styles: `
    dl {
      margin: 0;
      display: grid;
      grid-template-columns: auto 1fr;
      gap: 0 0.75rem;
    }
    dt {
      color: var(--text-dim);
    }
    dd {
      margin: 0;
      overflow-wrap: anywhere;
    }
    .nowrap {
      white-space: nowrap;
    }
  `,
})
export class TitleAudit {
  private readonly store = inject(TitleStore);
  private readonly session = inject(Session);
  protected readonly dateTime = dateTime;
  protected readonly entries = signal<Entry[]>([]);
  protected readonly error = signal('');

  constructor() {
    effect(() => {
      const titleId = this.store.id();
      this.store.title();
      if (titleId) {
        void this.load(titleId);
      }
    });
  }

  /** "you", the platform's own actors (`media`, `import`) by name, other editors by id. */
  protected who(actorId: string): string {
    return actorId === this.session.account()?.id ? 'you' : actorId;
  }

  /** A change is stored as `{field: {from, to}}` or `{field: value}`. */
  protected changes(entry: Entry): { field: string; text: string }[] {
    return Object.entries(entry.changes).map(([field, value]) => ({
      field,
      text: isChange(value) ? `${show(value.from)} → ${show(value.to)}` : show(value),
    }));
  }

  private async load(titleId: string): Promise<void> {
    try {
      const path = { title_id: titleId };
      this.entries.set(
        await ok(api.GET('/api/v1/studio/titles/{title_id}/audit', { params: { path } })),
      );
    } catch (error) {
      this.error.set(viewerMessage(error));
    }
  }
}

function isChange(value: unknown): value is { from: unknown; to: unknown } {
  return typeof value === 'object' && value !== null && 'from' in value && 'to' in value;
}

function show(value: unknown): string {
  if (value === null || value === undefined || value === '') {
    return '—';
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

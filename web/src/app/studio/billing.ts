import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { api, ok, type Schemas } from '../api/client';
import { money } from '../core/money';
import { viewerMessage } from '../core/problems';
import { dateTime } from './format';

type Row = Schemas['AdminSubscription'];
type Invoice = Schemas['Invoice'];

/**
 * Admins' billing: every subscription with its status, plan and next renewal, past-due and
 * suspended ones first; per account, a grant of days of a plan, and its invoices with a refund
 * (all or part) each.
 */
@Component({
  selector: 'app-studio-billing',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  styleUrl: './studio.css',
  template: `<main class="page">
    <h1>Billing</h1>
    <p class="notice" role="status">{{ notice() }}</p>
    <p class="form-error" role="alert">{{ error() }}</p>
    <div class="table-wrap" role="region" aria-label="Subscriptions table" tabindex="0">
      <table aria-label="Subscriptions">
        <thead>
          <tr>
            <th scope="col">Account</th>
            <th scope="col">Status</th>
            <th scope="col">Plan</th>
            <th scope="col">Next renewal</th>
            <th scope="col">Provider</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          @for (row of rows(); track row.account_id) {
            <tr>
              <td>{{ row.email }}</td>
              <td>
                <span class="status" [attr.data-status]="row.status">{{ row.status }}</span>
              </td>
              <td>
                {{ row.plan_id }}
                @if (row.pending_plan_id) {
                  <span class="muted">→ {{ row.pending_plan_id }}</span>
                }
              </td>
              <td>{{ dateTime(row.current_period_end) }}</td>
              <td>{{ row.provider }}</td>
              <td>
                <button type="button" (click)="open(row)">Manage {{ row.email }}</button>
              </td>
            </tr>
          } @empty {
            <tr>
              <td colspan="6" class="muted">No subscriptions yet.</td>
            </tr>
          }
        </tbody>
      </table>
    </div>

    @if (selected(); as row) {
      <section class="panel" aria-labelledby="manage-heading">
        <h2 id="manage-heading">{{ row.email }}</h2>
        <form class="toolbar" (ngSubmit)="grant(row)">
          <div class="field">
            <label for="grant-plan">Plan</label>
            <select id="grant-plan" name="plan" [(ngModel)]="grantPlan">
              @for (plan of plans(); track plan.id) {
                <option [value]="plan.id">{{ plan.name }}</option>
              }
            </select>
          </div>
          <div class="field">
            <label for="grant-days">Days</label>
            <input id="grant-days" name="days" type="number" min="1" [(ngModel)]="grantDays" />
          </div>
          <button type="submit" [disabled]="busy()">Grant</button>
        </form>
        <h3>Invoices</h3>
        <table aria-label="Invoices of {{ row.email }}">
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Date</th>
              <th scope="col">Total</th>
              <th scope="col">Refunded</th>
              <th scope="col">Refund (amount in cents, empty: all)</th>
            </tr>
          </thead>
          <tbody>
            @for (invoice of invoices(); track invoice.number) {
              <tr>
                <td>{{ invoice.number }}</td>
                <td>{{ dateTime(invoice.issued_at) }}</td>
                <td>{{ amount(invoice.total, invoice) }}</td>
                <td>{{ amount(invoice.refunded, invoice) }}</td>
                <td>
                  @if (invoice.kind === 'invoice' && invoice.refunded < invoice.total) {
                    <input
                      type="number"
                      min="1"
                      [attr.aria-label]="'Refund amount for ' + invoice.number"
                      #refundAmount
                    />
                    <button
                      type="button"
                      [disabled]="busy()"
                      (click)="refund(row, invoice, refundAmount.value)"
                    >
                      Refund {{ invoice.number }}
                    </button>
                  }
                </td>
              </tr>
            } @empty {
              <tr>
                <td colspan="5" class="muted">No invoices.</td>
              </tr>
            }
          </tbody>
        </table>
      </section>
    }
  </main>`,
})
export class StudioBilling {
  protected readonly dateTime = dateTime;
  protected readonly rows = signal<Row[]>([]);
  protected readonly plans = signal<Schemas['Plan'][]>([]);
  protected readonly selected = signal<Row | null>(null);
  protected readonly invoices = signal<Invoice[]>([]);
  protected readonly notice = signal('');
  protected readonly error = signal('');
  protected readonly busy = signal(false);
  protected grantPlan = '';
  protected grantDays = 30;

  constructor() {
    void this.attempt(async () => {
      this.plans.set(await ok(api.GET('/api/v1/plans')));
      this.grantPlan = this.plans()[0]?.id ?? '';
      await this.load();
    });
  }

  protected amount(minor: number, invoice: Invoice): string {
    return money(minor, invoice.currency);
  }

  protected async open(row: Row): Promise<void> {
    this.selected.set(row);
    await this.attempt(() => this.loadInvoices(row));
  }

  protected async grant(row: Row): Promise<void> {
    await this.attempt(async () => {
      const body = { plan_id: this.grantPlan, days: Number(this.grantDays) };
      const params = { path: { account_id: row.account_id } };
      await ok(api.POST('/api/v1/admin/accounts/{account_id}/grants', { params, body }));
      await Promise.all([this.load(), this.loadInvoices(row)]);
      return `Granted ${body.days} days of ${body.plan_id} to ${row.email}.`;
    });
  }

  protected async refund(row: Row, invoice: Invoice, amount: string): Promise<void> {
    await this.attempt(async () => {
      const params = {
        path: { number: invoice.number },
        header: { 'idempotency-key': crypto.randomUUID() },
      };
      const body = amount ? { amount: Number(amount) } : {};
      const note = await ok(api.POST('/api/v1/admin/invoices/{number}/refunds', { params, body }));
      await this.loadInvoices(row);
      return `Refunded ${money(note.total, note.currency)}: credit note ${note.number}.`;
    });
  }

  private async load(): Promise<void> {
    this.rows.set(await ok(api.GET('/api/v1/admin/subscriptions')));
  }

  private async loadInvoices(row: Row): Promise<void> {
    const params = { path: { account_id: row.account_id } };
    this.invoices.set(
      await ok(api.GET('/api/v1/admin/accounts/{account_id}/invoices', { params })),
    );
  }

  private async attempt(work: () => Promise<string | void>): Promise<void> {
    this.error.set('');
    this.notice.set('');
    this.busy.set(true);
    try {
      this.notice.set((await work()) || '');
    } catch (error) {
      this.error.set(viewerMessage(error));
    } finally {
      this.busy.set(false);
    }
  }
}

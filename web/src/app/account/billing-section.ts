import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { api, ok, type Schemas } from '../api/client';
import { Action } from '../auth/action';
import { Session } from '../core/session';
import { money } from '../core/money';

/**
 * Billing: a failed payment and how to fix it, the card (the provider's portal), vouchers, and
 * the account's invoices and credit notes as PDFs. A `payment-required` refusal anywhere in
 * the app links to the account page.
 */
@Component({
  selector: 'app-billing-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, FormsModule],
  template: `
    <section id="billing" aria-labelledby="billing-heading">
      <h2 id="billing-heading">Billing</h2>
      @if (subscription(); as subscription) {
        @if (subscription.status === 'past_due') {
          <p class="form-error" role="alert">
            Your last payment failed. You can still watch for a few days: update your card to keep
            your plan.
          </p>
        } @else if (subscription.status === 'suspended') {
          <p class="form-error" role="alert">
            Your plan is suspended because a payment failed. Update your card to watch again: it
            starts again as soon as the payment goes through.
          </p>
        }
        @if (subscription.provider === 'stripe') {
          <div class="actions">
            <button type="button" [disabled]="card.busy()" (click)="openPortal()">
              Update card
            </button>
          </div>
          <p class="form-error" role="alert">{{ card.error() }}</p>
        }
      }

      <form class="panel voucher" (ngSubmit)="redeem()">
        <label for="voucher-code">Voucher code</label>
        <input
          id="voucher-code"
          name="code"
          autocomplete="off"
          autocapitalize="characters"
          [(ngModel)]="code"
          required
        />
        <div class="actions">
          <button type="submit" [disabled]="voucher.busy() || !code.trim()">Redeem</button>
        </div>
        <p class="notice" role="status">{{ voucher.notice() }}</p>
        <p class="form-error" role="alert">{{ voucher.error() }}</p>
      </form>

      <h3 id="invoices-heading">Invoices</h3>
      @if (invoices().length) {
        <ul class="invoices" aria-labelledby="invoices-heading">
          @for (invoice of invoices(); track invoice.number) {
            <li>
              <span>{{ invoice.issued_at | date: 'mediumDate' }}</span>
              <span>{{ invoice.kind === 'credit_note' ? 'Credit note' : 'Invoice' }}</span>
              <span>{{ amount(invoice) }}</span>
              <a [href]="invoice.pdf_url" [download]="invoice.number + '.pdf'"
                >Download {{ invoice.number }} (PDF)</a
              >
            </li>
          }
        </ul>
      } @else {
        <p class="muted">No invoices yet.</p>
      }
      <p class="form-error" role="alert">{{ list.error() }}</p>
    </section>
  `,
  styleUrl: './section.css',
  styles: `
    .voucher {
      margin: 1rem 0;
    }
    .invoices {
      list-style: none;
      padding: 0;
      margin: 0;
      max-width: 40rem;
    }
    .invoices li {
      display: grid;
      grid-template-columns: 7rem 6rem 7rem 1fr;
      gap: 0.5rem;
      padding: 0.4rem 0;
      border-bottom: 1px solid var(--surface-2);
    }
    @media (max-width: 600px) {
      .invoices li {
        grid-template-columns: 1fr 1fr;
      }
    }
  `,
})
export class BillingSection {
  private readonly session = inject(Session);
  protected readonly card = new Action();
  protected readonly voucher = new Action();
  protected readonly list = new Action();
  protected readonly invoices = signal<Schemas['Invoice'][]>([]);
  protected readonly subscription = computed(() => this.session.account()?.subscription ?? null);
  protected code = '';

  constructor() {
    void this.loadInvoices();
  }

  protected amount(invoice: Schemas['Invoice']): string {
    return money(invoice.total, invoice.currency);
  }

  protected async openPortal(): Promise<void> {
    await this.card.run(async () => {
      const { url } = await ok(api.GET('/api/v1/account/subscription/portal'));
      window.location.assign(url);
    });
  }

  protected async redeem(): Promise<void> {
    const code = this.code.trim();
    const done = await this.voucher.run(async () => {
      await ok(api.POST('/api/v1/account/subscription/redeem', { body: { code } }));
      await this.session.load(true);
      await this.loadInvoices();
      return 'Voucher redeemed: your plan is on.';
    });
    if (done) {
      this.code = '';
    }
  }

  private async loadInvoices(): Promise<void> {
    await this.list.run(async () => {
      this.invoices.set(await ok(api.GET('/api/v1/account/invoices')));
    });
  }
}

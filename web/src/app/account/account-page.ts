import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { Session } from '../core/session';
import { BillingSection } from './billing-section';
import { DataSection } from './data-section';
import { DeleteSection } from './delete-section';
import { DevicesSection } from './devices-section';
import { MfaSection } from './mfa-section';
import { PasswordSection } from './password-section';
import { PlanSection } from './plan-section';

/** The account: plan, billing (invoices, vouchers, the card), devices, password, two-step verification, data export and deletion. */
@Component({
  selector: 'app-account-page',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [
    PlanSection,
    BillingSection,
    DevicesSection,
    PasswordSection,
    MfaSection,
    DataSection,
    DeleteSection,
  ],
  template: `
    <main class="page account">
      <h1>Account</h1>
      @if (session.account(); as account) {
        <p class="muted email">{{ account.email }}</p>
      }
      <app-plan-section />
      <app-billing-section />
      <app-devices-section />
      <app-password-section />
      <app-mfa-section />
      <app-data-section />
      <app-delete-section />
    </main>
  `,
  styles: `
    .account {
      max-width: 56rem;
      margin: 0 auto;
    }
    h1 {
      margin-bottom: 0.25rem;
    }
    .email {
      margin: 0 0 1rem;
    }
  `,
})
export class AccountPage {
  protected readonly session = inject(Session);
}

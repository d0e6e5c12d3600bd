import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { api, ok } from '../api/client';
import { Action } from '../auth/action';
import { Session } from '../core/session';

/** Deleting the account for good, confirmed with the password; then back to the landing page. */
@Component({
  selector: 'app-delete-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  template: `
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete account</h2>
      <form ngNativeValidate (ngSubmit)="deleteAccount()">
        <p class="muted">
          This deletes your account, its profiles and their history at once. It cannot be undone.
        </p>
        <div class="field">
          <label for="delete-password">Password</label>
          <input
            id="delete-password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
            [(ngModel)]="password"
          />
        </div>
        <p class="form-error" role="alert">{{ action.error() }}</p>
        <button type="submit" class="danger" [disabled]="action.busy()">Delete account</button>
      </form>
    </section>
  `,
  styleUrl: './section.css',
})
export class DeleteSection {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  protected readonly action = new Action();
  protected readonly password = signal('');

  protected async deleteAccount(): Promise<void> {
    await this.action.run(async () => {
      await ok(api.DELETE('/api/v1/account', { body: { password: this.password() } }));
      await this.session.load(true);
      await this.router.navigateByUrl('/');
    });
  }
}

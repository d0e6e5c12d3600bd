import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { api, ok, type Schemas } from '../api/client';
import { Action } from '../auth/action';
import { FocusOnShow } from '../auth/focus-on-show';
import { Session } from '../core/session';

/** Two-step verification: set up an authenticator app (secret, then a code), or turn it off. */
@Component({
  selector: 'app-mfa-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, FocusOnShow],
  templateUrl: './mfa-section.html',
  styleUrl: './section.css',
})
export class MfaSection {
  private readonly session = inject(Session);
  protected readonly action = new Action();
  protected readonly enabled = computed(() => this.session.account()?.mfa_enabled ?? false);
  protected readonly setup = signal<Schemas['TotpSetup'] | null>(null);
  protected readonly recoveryCodes = signal<string[]>([]);
  protected readonly code = signal('');
  protected readonly password = signal('');

  protected async start(): Promise<void> {
    await this.action.run(async () => {
      this.setup.set(await ok(api.POST('/api/v1/account/mfa/totp')));
    });
  }

  protected async confirm(): Promise<void> {
    await this.action.run(async () => {
      const answer = await ok(
        api.POST('/api/v1/account/mfa/totp/confirm', {
          body: { code: this.code().replace(/\s/g, '') },
        }),
      );
      this.recoveryCodes.set(answer.recovery_codes);
      this.setup.set(null);
      this.code.set('');
      await this.session.load(true);
      return 'Two-step verification is on.';
    });
  }

  protected abandon(): void {
    this.setup.set(null);
    this.code.set('');
    this.action.clear();
  }

  protected finish(): void {
    this.recoveryCodes.set([]);
    this.action.clear();
  }

  protected async disable(): Promise<void> {
    await this.action.run(async () => {
      await ok(api.DELETE('/api/v1/account/mfa/totp', { body: { password: this.password() } }));
      this.password.set('');
      await this.session.load(true);
      return 'Two-step verification is off.';
    });
  }
}

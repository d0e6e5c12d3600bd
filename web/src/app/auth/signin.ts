import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { api, ok } from '../api/client';
import { Session } from '../core/session';
import { Action } from './action';
import { FocusOnShow } from './focus-on-show';
import { nextUrl } from './next-url';

/** Sign-in: email and password, then an authentication code when the account has two steps. */
@Component({
  selector: 'app-signin',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, RouterLink, FocusOnShow],
  templateUrl: './signin.html',
  styleUrl: './auth.css',
})
export class SignInPage {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);

  protected readonly action = new Action();
  protected readonly email = signal('');
  protected readonly password = signal('');
  protected readonly code = signal('');
  protected readonly mfaToken = signal<string | null>(null);
  protected readonly signUpQuery = this.route.snapshot.queryParams;

  protected async signIn(): Promise<void> {
    await this.action.run(async () => {
      const challenge = await this.session.signIn(this.email(), this.password());
      if (challenge) {
        this.mfaToken.set(challenge.mfa_token);
      } else {
        await this.goOn();
      }
    });
  }

  protected async verify(): Promise<void> {
    await this.action.run(async () => {
      await this.session.signInWithCode(this.mfaToken() ?? '', this.code().replace(/\s/g, ''));
      await this.goOn();
    });
  }

  protected startOver(): void {
    this.mfaToken.set(null);
    this.code.set('');
    this.action.clear();
  }

  protected async forgotPassword(): Promise<void> {
    const email = this.email().trim();
    if (!email) {
      this.action.error.set('Enter your email first, then choose "Forgot password?" again.');
      return;
    }
    await this.action.run(async () => {
      await ok(api.POST('/api/v1/auth/password-reset', { body: { email } }));
      return `If ${email} has an account, we sent it a mail with a link to reset the password.`;
    });
  }

  private async goOn(): Promise<void> {
    await this.router.navigateByUrl(nextUrl(this.route, '/profiles'));
  }
}

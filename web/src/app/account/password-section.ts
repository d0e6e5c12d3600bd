import { ChangeDetectionStrategy, Component, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { api, ok } from '../api/client';
import { Action } from '../auth/action';
import { PASSWORD_RULES, weakPasswordDetail } from '../auth/password';
import { viewerMessage } from '../core/problems';

/** Changing the password; the API signs the other devices out. */
@Component({
  selector: 'app-password-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule],
  templateUrl: './password-section.html',
  styleUrl: './section.css',
})
export class PasswordSection {
  protected readonly action = new Action(
    (error) => weakPasswordDetail(error) ?? viewerMessage(error),
  );
  protected readonly current = signal('');
  protected readonly next = signal('');
  protected readonly rules = PASSWORD_RULES;

  protected async change(): Promise<void> {
    const changed = await this.action.run(async () => {
      await ok(
        api.POST('/api/v1/account/password', {
          body: { current_password: this.current(), new_password: this.next() },
        }),
      );
      return 'Your password is changed. Your other devices were signed out.';
    });
    if (changed) {
      this.current.set('');
      this.next.set('');
    }
  }
}

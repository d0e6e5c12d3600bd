import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { RouterLink } from '@angular/router';
import { ApiError, api, ok } from '../api/client';
import { Action } from '../auth/action';
import { FocusOnShow } from '../auth/focus-on-show';
import { type Profile, Session } from '../core/session';
import { ProfileForm } from './profile-form';
import { ProfileList } from './profile-list';
import { MATURITIES, initial } from './profile-options';

/** What the screen shows besides the list: nothing, the add form, one profile's edit form or delete question. */
type Mode =
  | { kind: 'list' }
  | { kind: 'add' }
  | { kind: 'edit'; profile: Profile }
  | { kind: 'delete'; profile: Profile };

/**
 * Manage profiles: add, edit and delete the account's profiles. A change the chosen profile may
 * not make alone (a kids profile only changes its own avatar) asks for the account password or
 * an adult profile's PIN, which approves this device for a few minutes.
 */
@Component({
  selector: 'app-manage-profiles',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, RouterLink, FocusOnShow, ProfileForm],
  providers: [ProfileList],
  templateUrl: './manage.html',
  styleUrl: './manage.css',
})
export class ManageProfiles {
  private readonly session = inject(Session);
  protected readonly list = inject(ProfileList);
  protected readonly initial = initial;
  protected readonly mode = signal<Mode>({ kind: 'list' });
  protected readonly action = new Action();
  /** Asking for the password or an adult PIN, after a change answered `approval-required`. */
  protected readonly approving = signal(false);
  protected readonly secret = signal('');
  protected readonly approval = new Action();

  constructor() {
    void this.list.load();
  }

  protected maturityLabel(profile: Profile): string {
    return (
      MATURITIES.find((option) => option.value === profile.maturity)?.label ?? profile.maturity
    );
  }

  protected show(mode: Mode): void {
    this.action.clear();
    this.mode.set(mode);
  }

  protected async saved(profile: Profile): Promise<void> {
    await this.list.load();
    this.show({ kind: 'list' });
    this.action.notice.set(`${profile.name} is saved.`);
  }

  protected askApproval(): void {
    this.approval.clear();
    this.secret.set('');
    this.approving.set(true);
  }

  /** Four digits are an adult profile's PIN (passwords are longer), anything else the password. */
  protected async approve(): Promise<void> {
    const secret = this.secret();
    const body = /^[0-9]{4}$/.test(secret) ? { pin: secret } : { password: secret };
    const approved = await this.approval.run(async () => {
      await ok(api.POST('/api/v1/profiles/approval', { body }));
    });
    if (approved) {
      this.approving.set(false);
      this.action.clear();
      this.action.notice.set('Approved for a few minutes: save or delete again.');
    }
  }

  protected async remove(profile: Profile): Promise<void> {
    const removed = await this.action.run(async () => {
      await ok(
        api.DELETE('/api/v1/profiles/{profile_id}', {
          params: { path: { profile_id: profile.id } },
        }),
      );
      await Promise.all([this.list.load(), this.session.load(true)]);
      return `${profile.name} is deleted.`;
    });
    if (removed) {
      this.mode.set({ kind: 'list' });
    }
    const failure = this.action.failure();
    if (failure instanceof ApiError && failure.slug === 'approval-required') {
      this.askApproval();
    }
  }

  protected editing(profile: Profile): boolean {
    const mode = this.mode();
    return mode.kind === 'edit' && mode.profile.id === profile.id;
  }

  protected deleting(profile: Profile): boolean {
    const mode = this.mode();
    return mode.kind === 'delete' && mode.profile.id === profile.id;
  }
}

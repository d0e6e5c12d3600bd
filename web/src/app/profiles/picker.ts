import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { Action } from '../auth/action';
import { FocusOnShow } from '../auth/focus-on-show';
import { nextUrl } from '../auth/next-url';
import { type Profile, Session } from '../core/session';
import { ProfileForm } from './profile-form';
import { ProfileList } from './profile-list';
import { initial } from './profile-options';

/** "Who is watching?": one button per profile; a PIN-locked profile asks for its PIN first. */
@Component({
  selector: 'app-profile-picker',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, RouterLink, FocusOnShow, ProfileForm],
  providers: [ProfileList],
  host: { '(document:keydown.escape)': 'closePrompt()' },
  templateUrl: './picker.html',
  styleUrl: './picker.css',
})
export class ProfilePicker {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  protected readonly list = inject(ProfileList);
  protected readonly initial = initial;

  protected readonly locked = signal<Profile | null>(null);
  protected readonly pin = signal('');
  protected readonly action = new Action();
  private readonly pinInput = viewChild<ElementRef<HTMLInputElement>>('pinInput');

  constructor() {
    void this.list.load();
  }

  protected choose(profile: Profile): Promise<void> {
    if (profile.has_pin) {
      this.action.clear();
      this.pin.set('');
      this.locked.set(profile);
      return Promise.resolve();
    }
    return this.select(profile);
  }

  protected unlock(): Promise<void> {
    const profile = this.locked();
    return profile ? this.select(profile, this.pin()) : Promise.resolve();
  }

  protected closePrompt(): void {
    const profile = this.locked();
    if (profile) {
      this.locked.set(null);
      document.getElementById(this.buttonId(profile))?.focus();
    }
  }

  protected buttonId(profile: Profile): string {
    return `profile-${profile.id}`;
  }

  protected async created(): Promise<void> {
    await this.list.load();
  }

  private async select(profile: Profile, pin?: string): Promise<void> {
    const selected = await this.action.run(async () => {
      await this.session.selectProfile(profile.id, pin);
      await this.router.navigateByUrl(nextUrl(this.route, '/browse'));
    });
    if (!selected) {
      this.pinInput()?.nativeElement.select();
    }
  }
}

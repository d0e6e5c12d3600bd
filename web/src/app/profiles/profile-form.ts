import {
  ChangeDetectionStrategy,
  Component,
  computed,
  type OnInit,
  inject,
  input,
  output,
  signal,
} from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ApiError, api, ok, type Schemas } from '../api/client';
import { Action } from '../auth/action';
import { FocusOnShow } from '../auth/focus-on-show';
import { type Profile, Session } from '../core/session';
import { AVATARS, LANGUAGES, MATURITIES, type Maturity, initial } from './profile-options';

let nextForm = 0;

/** Adds a profile, or edits one when `profile` is given. A PIN change asks for the account password. */
@Component({
  selector: 'app-profile-form',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, FocusOnShow],
  templateUrl: './profile-form.html',
  styleUrl: './profile-form.css',
})
export class ProfileForm implements OnInit {
  readonly profile = input<Profile | null>(null);
  readonly cancellable = input(true);
  readonly saved = output<Profile>();
  readonly cancelled = output<void>();
  /** The change needs the account password or an adult profile's PIN first. */
  readonly approvalNeeded = output<void>();

  private readonly session = inject(Session);
  protected readonly id = `profile-form-${nextForm++}`;
  protected readonly maturities = MATURITIES;
  protected readonly avatars = AVATARS;

  protected readonly name = signal('');
  protected readonly maturity = signal<Maturity>('adult');
  protected readonly avatar = signal('blue');
  protected readonly language = signal('en');
  protected readonly autoplayNext = signal(true);
  protected readonly pin = signal('');
  protected readonly removePin = signal(false);
  protected readonly password = signal('');
  protected readonly action = new Action();

  protected readonly letter = computed(() => initial({ name: this.name() }));
  /** The usual languages, plus the profile's own when it is another one. */
  protected readonly languages = computed(() => {
    const current = this.language();
    return LANGUAGES.some((option) => option.value === current)
      ? LANGUAGES
      : [...LANGUAGES, { value: current, label: current }];
  });
  protected readonly editing = computed(() => this.profile() !== null);
  protected readonly hadPin = computed(() => this.profile()?.has_pin ?? false);
  protected readonly changesPin = computed(
    () => this.editing() && (this.pin() !== '' || this.removePin()),
  );

  ngOnInit(): void {
    const profile = this.profile();
    if (profile) {
      this.name.set(profile.name);
      this.maturity.set(profile.maturity);
      this.avatar.set(profile.avatar || 'blue');
      this.language.set(profile.language);
      this.autoplayNext.set(profile.autoplay_next ?? true);
    }
  }

  protected async save(): Promise<void> {
    const done = await this.action.run(async () => {
      const profile = this.profile();
      const saved = profile ? await this.update(profile.id) : await this.create();
      await this.session.load(true);
      this.saved.emit(saved);
    });
    const failure = this.action.failure();
    if (!done && failure instanceof ApiError && failure.slug === 'approval-required') {
      this.approvalNeeded.emit();
    }
  }

  private create(): Promise<Profile> {
    const body: Schemas['ProfileCreate'] = { ...this.fields(), pin: this.pin() || null };
    return ok(api.POST('/api/v1/profiles', { body }));
  }

  private update(profileId: string): Promise<Profile> {
    const body: Schemas['ProfileUpdate'] = this.changesPin()
      ? { ...this.fields(), pin: this.removePin() ? null : this.pin(), password: this.password() }
      : this.fields();
    return ok(
      api.PATCH('/api/v1/profiles/{profile_id}', {
        params: { path: { profile_id: profileId } },
        body,
      }),
    );
  }

  private fields(): Omit<Schemas['ProfileCreate'], 'pin'> {
    return {
      name: this.name().trim(),
      maturity: this.maturity(),
      avatar: this.avatar(),
      language: this.language(),
      autoplay_next: this.autoplayNext(),
    };
  }
}

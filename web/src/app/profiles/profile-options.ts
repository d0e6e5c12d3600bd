import { type Profile } from '../core/session';

export type Maturity = Profile['maturity'];

export const MATURITIES: readonly { value: Maturity; label: string }[] = [
  { value: 'kids', label: 'Kids' },
  { value: 'teen', label: 'Teen' },
  { value: 'adult', label: 'Adult' },
];

/** The avatar colours `.avatar[data-avatar]` draws; blue is the default look. */
export const AVATARS: readonly { value: string; label: string }[] = [
  { value: 'blue', label: 'Blue' },
  { value: 'red', label: 'Red' },
  { value: 'green', label: 'Green' },
  { value: 'yellow', label: 'Yellow' },
  { value: 'purple', label: 'Purple' },
  { value: 'kids', label: 'Kids' },
];

export const LANGUAGES: readonly { value: string; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'fr', label: 'Français' },
  { value: 'es', label: 'Español' },
  { value: 'de', label: 'Deutsch' },
  { value: 'it', label: 'Italiano' },
  { value: 'pt', label: 'Português' },
  { value: 'nl', label: 'Nederlands' },
  { value: 'ja', label: '日本語' },
];

/** The letter an avatar shows: the first character of the profile's name. */
export function initial(profile: Pick<Profile, 'name'>): string {
  return Array.from(profile.name.trim())[0]?.toUpperCase() ?? '?';
}

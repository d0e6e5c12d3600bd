import { ApiError } from '../api/client';

/** The password rules the API checks, said once for every password field that sets one. */
export const PASSWORD_RULES =
  'At least 10 characters, not a common password, and not containing your email address.';

/** The API's own sentence for a weak password (it names the rule broken), else null. */
export function weakPasswordDetail(error: unknown): string | null {
  if (error instanceof ApiError && error.slug === 'weak-password') {
    return error.problem.detail ?? error.message;
  }
  return null;
}

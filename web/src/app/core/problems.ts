import { ApiError } from '../api/client';

/** What a viewer reads for each problem slug the API answers with. */
const VIEWER_WORDS: Record<string, string> = {
  'invalid-credentials': 'That email and password do not match an account.',
  'account-locked': 'Too many attempts. Wait a few minutes and try again.',
  'rate-limited': 'Too many attempts. Wait a moment and try again.',
  'weak-password': 'Choose a longer, less common password.',
  'email-taken': 'An account already uses that email.',
  'wrong-password': 'That password is not right.',
  'wrong-code': 'That code is not right. Check your authenticator app.',
  'wrong-pin': 'That PIN is not right.',
  'profile-limit': 'This account has as many profiles as it can.',
  'last-profile': 'An account keeps at least one profile.',
  'not-authenticated': 'Please sign in again.',
  'token-expired': 'Your sign-in has expired. Please sign in again.',
  'no-subscription': 'You need a subscription to watch. Choose a plan in your account.',
  'subscription-required': 'You need a subscription to watch. Choose a plan in your account.',
  'payment-required':
    'Your last payment failed. Update your card in your account (Billing) to watch again.',
  'voucher-already-redeemed': 'This account has already redeemed that voucher.',
  'voucher-used-up': 'That voucher has been used up.',
  'voucher-expired': 'That voucher has expired.',
  'already-paying': 'This account pays by card: cancel that subscription first.',
  'too-many-streams': 'Too many people are watching on this account right now.',
  'not-available-in-territory': 'This title is not available in your country.',
  'maturity-restricted': 'This title is not available on this profile.',
  'pin-required': 'This profile is locked with a PIN.',
  'profile-not-selected': 'Choose who is watching first.',
  'role-required': 'This page is for the studio team.',
  'approval-required': 'This change needs the account password or the PIN of an adult profile.',
};

/** A sentence for the viewer from any error: the API's problem when it has one. */
export function viewerMessage(error: unknown): string {
  if (error instanceof ApiError) {
    return VIEWER_WORDS[error.slug] ?? error.problem.detail ?? error.problem.title ?? error.message;
  }
  return 'Something went wrong. Check your connection and try again.';
}

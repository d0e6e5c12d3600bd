import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { Session } from '../core/session';

/** The Downloads page: for a signed-in viewer, and for anyone while offline (the app cannot
 * ask who is signed in then, and the downloads on this device play without the server). */
export const downloadsOpen: CanActivateFn = async (_route, state) => {
  const session = inject(Session);
  await session.load();
  if (session.signedIn() || !navigator.onLine) {
    return true;
  }
  return inject(Router).createUrlTree(['/signin'], { queryParams: { next: state.url } });
};

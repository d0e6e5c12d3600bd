import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { Session } from './session';

/** Pages for signed-in viewers: others go to sign-in and come back after. */
export const signedIn: CanActivateFn = async (_route, state) => {
  const session = inject(Session);
  await session.load();
  return session.signedIn()
    ? true
    : inject(Router).createUrlTree(['/signin'], { queryParams: { next: state.url } });
};

/** Pages that need "who is watching": without a chosen profile, the picker first. */
export const profileChosen: CanActivateFn = async (_route, state) => {
  const session = inject(Session);
  const router = inject(Router);
  await session.load();
  if (!session.signedIn()) {
    return router.createUrlTree(['/signin'], { queryParams: { next: state.url } });
  }
  return session.profile()
    ? true
    : router.createUrlTree(['/profiles'], { queryParams: { next: state.url } });
};

/** The studio: editors and admins only; a viewer account sees a refusal page. */
export const studioRole: CanActivateFn = async (_route, state) => {
  const session = inject(Session);
  const router = inject(Router);
  await session.load();
  if (!session.signedIn()) {
    return router.createUrlTree(['/signin'], { queryParams: { next: state.url } });
  }
  return session.isStudio() ? true : router.createUrlTree(['/forbidden']);
};

/** Insights: admins and analysts only; others see a refusal page. */
export const insightsRole: CanActivateFn = async (_route, state) => {
  const session = inject(Session);
  const router = inject(Router);
  await session.load();
  if (!session.signedIn()) {
    return router.createUrlTree(['/signin'], { queryParams: { next: state.url } });
  }
  return session.readsInsights() ? true : router.createUrlTree(['/forbidden']);
};

/** Landing, sign-in and sign-up: a signed-in viewer goes straight to the profiles. */
export const signedOut: CanActivateFn = async () => {
  const session = inject(Session);
  await session.load();
  return session.signedIn() ? inject(Router).createUrlTree(['/profiles']) : true;
};

import { Routes } from '@angular/router';
import { insightsRole, profileChosen, signedIn, signedOut, studioRole } from './core/guards';
import { downloadsOpen } from './downloads/guard';
import { markPlay } from './player/play-mark';

/** Every screen is its own lazy chunk: the player (Shaka) and the studio load only when opened. */
export const routes: Routes = [
  {
    path: '',
    pathMatch: 'full',
    canActivate: [signedOut],
    loadComponent: () => import('./landing/landing').then((m) => m.LandingPage),
  },
  {
    path: 'signup',
    canActivate: [signedOut],
    loadComponent: () => import('./auth/signup').then((m) => m.SignUpPage),
  },
  {
    path: 'signin',
    canActivate: [signedOut],
    loadComponent: () => import('./auth/signin').then((m) => m.SignInPage),
  },
  {
    path: 'profiles',
    canActivate: [signedIn],
    loadComponent: () => import('./profiles/picker').then((m) => m.ProfilePicker),
  },
  {
    path: 'profiles/manage',
    canActivate: [signedIn],
    loadComponent: () => import('./profiles/manage').then((m) => m.ManageProfiles),
  },
  {
    path: 'browse',
    canActivate: [profileChosen],
    loadComponent: () => import('./home/home').then((m) => m.HomePage),
  },
  {
    path: 'title/:titleId',
    canActivate: [profileChosen],
    loadComponent: () => import('./title/title-page').then((m) => m.TitlePage),
  },
  {
    path: 'search',
    canActivate: [profileChosen],
    loadComponent: () => import('./search/search-page').then((m) => m.SearchPage),
  },
  {
    path: 'watch/:titleId',
    canActivate: [profileChosen, markPlay],
    loadComponent: () => import('./player/watch-page').then((m) => m.WatchPage),
  },
  {
    path: 'downloads',
    canActivate: [downloadsOpen],
    loadComponent: () => import('./downloads/downloads-page').then((m) => m.DownloadsPage),
  },
  {
    path: 'account',
    canActivate: [signedIn],
    loadComponent: () => import('./account/account-page').then((m) => m.AccountPage),
  },
  {
    path: 'studio/insights',
    canActivate: [insightsRole],
    loadChildren: () => import('./studio/insights/insights.routes').then((m) => m.INSIGHTS_ROUTES),
  },
  {
    path: 'studio',
    canActivate: [studioRole],
    loadChildren: () => import('./studio/studio.routes').then((m) => m.STUDIO_ROUTES),
  },
  {
    path: 'forbidden',
    loadComponent: () => import('./shared/forbidden').then((m) => m.ForbiddenPage),
  },
  {
    path: '**',
    loadComponent: () => import('./shared/not-found').then((m) => m.NotFoundPage),
  },
];

import { Routes } from '@angular/router';

/** Insights in the studio's frame: its own route, as analysts may open it and not the rest. */
export const INSIGHTS_ROUTES: Routes = [
  {
    path: '',
    loadComponent: () => import('../studio-layout').then((m) => m.StudioLayout),
    children: [{ path: '', loadComponent: () => import('./insights').then((m) => m.Insights) }],
  },
];

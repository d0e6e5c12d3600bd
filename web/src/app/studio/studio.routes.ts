import { Routes } from '@angular/router';

export const STUDIO_ROUTES: Routes = [
  { path: '', loadComponent: () => import('./titles').then((m) => m.StudioTitles) },
];

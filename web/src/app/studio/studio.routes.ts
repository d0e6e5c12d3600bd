import { Routes } from '@angular/router';

/** The studio: its own layout (side navigation) around every studio screen. */
export const STUDIO_ROUTES: Routes = [
  {
    path: '',
    loadComponent: () => import('./studio-layout').then((m) => m.StudioLayout),
    children: [
      { path: '', loadComponent: () => import('./titles').then((m) => m.StudioTitles) },
      { path: 'new', loadComponent: () => import('./title-new').then((m) => m.TitleNew) },
      {
        path: 'licences',
        loadComponent: () => import('./expiring').then((m) => m.ExpiringWindows),
      },
      { path: 'billing', loadComponent: () => import('./billing').then((m) => m.StudioBilling) },
      {
        path: 'experiments',
        loadComponent: () => import('./experiments').then((m) => m.StudioExperiments),
      },
      {
        path: 'titles/:titleId',
        loadComponent: () => import('./title-editor').then((m) => m.TitleEditor),
        children: [
          { path: '', loadComponent: () => import('./details').then((m) => m.TitleDetails) },
          { path: 'media', loadComponent: () => import('./media').then((m) => m.TitleMedia) },
          {
            path: 'licences',
            loadComponent: () => import('./licences').then((m) => m.TitleLicences),
          },
          { path: 'publish', loadComponent: () => import('./publish').then((m) => m.TitlePublish) },
          { path: 'audit', loadComponent: () => import('./audit').then((m) => m.TitleAudit) },
        ],
      },
    ],
  },
];

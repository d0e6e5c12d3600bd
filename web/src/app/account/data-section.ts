import { ChangeDetectionStrategy, Component } from '@angular/core';
import { api, ok } from '../api/client';
import { Action } from '../auth/action';

/** A copy of the account's data, downloaded as a JSON file. */
@Component({
  selector: 'app-data-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <section aria-labelledby="data-heading">
      <h2 id="data-heading">Your data</h2>
      <p class="muted">Download what Marquee holds about your account, as a JSON file.</p>
      <p class="form-error" role="alert">{{ action.error() }}</p>
      <button type="button" [disabled]="action.busy()" (click)="export()">Export my data</button>
    </section>
  `,
  styleUrl: './section.css',
})
export class DataSection {
  protected readonly action = new Action();

  protected async export(): Promise<void> {
    await this.action.run(async () => {
      const data = await ok(api.GET('/api/v1/account/export'));
      download(`marquee-data-${data.exported_at.slice(0, 10)}.json`, JSON.stringify(data, null, 2));
    });
  }
}

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(url);
}

import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { Router } from '@angular/router';
import { api, ok, type Schemas } from '../api/client';
import { Action } from '../auth/action';
import { Session } from '../core/session';

type Device = Schemas['Device'];

/** The devices signed in to the account, each one signed out on its own or all at once. */
@Component({
  selector: 'app-devices-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe],
  templateUrl: './devices-section.html',
  styleUrls: ['./section.css', './devices-section.css'],
})
export class DevicesSection {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  protected readonly action = new Action();
  protected readonly devices = signal<Device[]>([]);

  constructor() {
    void this.action.run(() => this.load());
  }

  protected async signOut(device: Device): Promise<void> {
    await this.action.run(async () => {
      await ok(
        api.DELETE('/api/v1/account/devices/{device_id}', {
          params: { path: { device_id: device.id } },
        }),
      );
      if (device.current) {
        return this.leave('/signin');
      }
      await this.load();
      return `${device.device_name} is signed out.`;
    });
  }

  protected async signOutEverywhere(): Promise<void> {
    await this.action.run(async () => {
      await ok(api.DELETE('/api/v1/account/devices'));
      await this.leave('/');
    });
  }

  private async load(): Promise<void> {
    const devices = await ok(api.GET('/api/v1/account/devices'));
    this.devices.set([...devices].sort((a, b) => Number(b.current) - Number(a.current)));
  }

  private async leave(url: string): Promise<void> {
    await this.session.load(true);
    await this.router.navigateByUrl(url);
  }
}

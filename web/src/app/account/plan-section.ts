import { DatePipe } from '@angular/common';
import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { Action } from '../auth/action';
import { FocusOnShow } from '../auth/focus-on-show';
import { PlanChoice } from '../auth/plan-choice';
import { type Plan, planPrice, subscribe } from '../auth/plans';
import { Session } from '../core/session';

type Status = Schemas['Subscription']['status'];

const STATUS_WORDS: Record<Status, string> = {
  trialing: 'Free trial',
  active: 'Active',
  past_due: 'Payment due',
  suspended: 'Suspended: payment needed',
  canceled: 'Canceled',
  expired: 'Ended',
};

/** The account's plan: what it is, changing it, cancelling it. */
@Component({
  selector: 'app-plan-section',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [DatePipe, PlanChoice, FocusOnShow],
  templateUrl: './plan-section.html',
  styleUrl: './section.css',
})
export class PlanSection {
  private readonly session = inject(Session);
  protected readonly action = new Action();
  protected readonly plans = signal<Plan[]>([]);
  protected readonly choosing = signal(false);
  protected readonly confirmingCancel = signal(false);
  protected readonly chosen = signal<string | null>(null);

  protected readonly subscription = computed(() => this.session.account()?.subscription ?? null);
  protected readonly plan = computed(() =>
    this.plans().find((plan) => plan.id === this.subscription()?.plan_id),
  );
  protected readonly ongoing = computed(() => {
    const status = this.subscription()?.status;
    return status !== undefined && status !== 'canceled' && status !== 'expired';
  });
  protected readonly price = planPrice;

  constructor() {
    void this.action.run(async () => {
      this.plans.set(await ok(api.GET('/api/v1/plans')));
    });
  }

  protected statusWords(status: Status): string {
    return STATUS_WORDS[status];
  }

  protected startChoosing(): void {
    this.action.clear();
    this.chosen.set(this.subscription()?.plan_id ?? null);
    this.choosing.set(true);
  }

  protected async savePlan(): Promise<void> {
    const planId = this.chosen();
    if (!planId) {
      return;
    }
    const done = await this.action.run(async () => {
      const moved = await this.putPlan(planId);
      return moved ? `You are on ${this.plan()?.name ?? 'your new plan'} now.` : undefined;
    });
    this.choosing.set(!done);
  }

  protected async reactivate(): Promise<void> {
    const planId = this.subscription()?.plan_id;
    if (planId) {
      await this.action.run(async () => {
        await this.putPlan(planId);
        return 'Your subscription goes on: it renews at the end of the period.';
      });
    }
  }

  /** Puts the account on the plan (false: it went to the provider's checkout instead). */
  private async putPlan(planId: string): Promise<boolean> {
    const moved = await subscribe(planId);
    if (moved) {
      await this.session.load(true);
    }
    return moved;
  }

  protected async cancel(): Promise<void> {
    await this.action.run(async () => {
      await ok(api.DELETE('/api/v1/account/subscription'));
      await this.session.load(true);
      return 'Your subscription is canceled. You can watch until the end of the period.';
    });
    this.confirmingCancel.set(false);
  }
}

import { ChangeDetectionStrategy, Component, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { api, ok } from '../api/client';
import { viewerMessage } from '../core/problems';
import { Session } from '../core/session';
import { nextUrl } from './next-url';
import { PASSWORD_RULES, weakPasswordDetail } from './password';
import { PlanChoice } from './plan-choice';
import { type Plan } from './plans';

/** Sign-up: a plan, an email and a password; the account starts on the chosen plan. */
@Component({
  selector: 'app-signup',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [FormsModule, RouterLink, PlanChoice],
  templateUrl: './signup.html',
  styleUrl: './auth.css',
})
export class SignUpPage {
  private readonly session = inject(Session);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);

  protected readonly plans = signal<Plan[]>([]);
  protected readonly planId = signal<string | null>(null);
  protected readonly email = signal('');
  protected readonly password = signal('');
  protected readonly passwordProblem = signal<string | null>(null);
  protected readonly error = signal<string | null>(null);
  protected readonly busy = signal(false);
  protected readonly passwordRules = PASSWORD_RULES;
  protected readonly signInQuery = this.route.snapshot.queryParams;

  constructor() {
    void this.loadPlans();
  }

  protected async createAccount(): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    this.passwordProblem.set(null);
    try {
      await this.session.signUp(this.email(), this.password());
      await this.startPlan();
      await this.router.navigateByUrl(nextUrl(this.route, '/profiles'));
    } catch (error) {
      this.showProblem(error);
    } finally {
      this.busy.set(false);
    }
  }

  private async startPlan(): Promise<void> {
    const planId = this.planId();
    if (planId) {
      await ok(api.PUT('/api/v1/account/subscription', { body: { plan_id: planId } }));
      await this.session.load(true);
    }
  }

  private showProblem(error: unknown): void {
    const weak = weakPasswordDetail(error);
    if (weak) {
      this.passwordProblem.set(weak);
    } else {
      this.error.set(viewerMessage(error));
    }
  }

  private async loadPlans(): Promise<void> {
    try {
      const plans = await ok(api.GET('/api/v1/plans'));
      this.plans.set(plans);
      this.planId.set(plans[Math.floor(plans.length / 2)]?.id ?? null);
    } catch (error) {
      this.error.set(viewerMessage(error));
    }
  }
}

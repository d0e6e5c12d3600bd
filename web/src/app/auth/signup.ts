import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { ActivatedRoute, Router, RouterLink } from '@angular/router';
import { api, ok } from '../api/client';
import { Session } from '../core/session';
import { Action } from './action';
import { nextUrl } from './next-url';
import { PASSWORD_RULES, weakPasswordDetail } from './password';
import { PlanChoice } from './plan-choice';
import { type Plan, subscribe } from './plans';

const CHECKOUT = 'Taking you to the payment page…';
const NOT_SIGNED_IN = 'We could not sign you in. If you already have an account, sign in instead.';

/** Sign-up: a plan (priced for the viewer's country, with the trial), an email and a password;
 * the account starts on the chosen plan, or at the payment provider's checkout for it. */
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

  protected readonly action = new Action();
  protected readonly plans = signal<Plan[]>([]);
  protected readonly trialDays = signal(0);
  protected readonly planId = signal<string | null>(null);
  protected readonly email = signal('');
  protected readonly password = signal('');
  protected readonly passwordProblem = computed(() => weakPasswordDetail(this.action.failure()));
  protected readonly error = computed(() => (this.passwordProblem() ? null : this.action.error()));
  protected readonly passwordRules = PASSWORD_RULES;
  protected readonly signInQuery = this.route.snapshot.queryParams;

  constructor() {
    void this.action.run(() => this.loadPlans());
  }

  protected async createAccount(): Promise<void> {
    const created = await this.action.run(async () => {
      await this.session.signUp(this.email(), this.password());
      return this.session.signedIn() && !(await this.startPlan()) ? CHECKOUT : undefined;
    });
    if (!created || this.action.notice() === CHECKOUT) {
      return;
    }
    if (this.session.signedIn()) {
      await this.router.navigateByUrl(nextUrl(this.route, '/profiles'));
    } else {
      this.action.error.set(NOT_SIGNED_IN);
    }
  }

  /** The chosen plan starts now, or through the provider's checkout (false: gone there). */
  private async startPlan(): Promise<boolean> {
    const planId = this.planId();
    if (planId && !(await subscribe(planId))) {
      return false;
    }
    await this.session.load(true);
    return true;
  }

  private async loadPlans(): Promise<void> {
    const offer = await ok(api.GET('/api/v1/plans/offer'));
    const plans = offer.plans;
    this.trialDays.set(offer.trial_days);
    this.plans.set(plans);
    this.planId.set(plans[Math.floor(plans.length / 2)]?.id ?? null);
  }
}

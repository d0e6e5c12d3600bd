import { ChangeDetectionStrategy, Component, input, model } from '@angular/core';
import { type Plan, planDownloads, planPrice, planQuality, planStreams } from './plans';

let nextGroup = 0;

/**
 * Plans as radio cards. Each radio's accessible name is the plan's name alone; what the plan
 * gives (price, screens, picture quality) is its description.
 */
@Component({
  selector: 'app-plan-choice',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <fieldset class="plans">
      <legend>{{ legend() }}</legend>
      @for (plan of plans(); track plan.id) {
        <div class="plan" [class.chosen]="plan.id === selected()">
          <input
            type="radio"
            [id]="group + '-' + plan.id"
            [name]="group"
            [value]="plan.id"
            [checked]="plan.id === selected()"
            [attr.aria-describedby]="group + '-' + plan.id + '-details'"
            (change)="selected.set(plan.id)"
          />
          <label class="plan-name" [for]="group + '-' + plan.id">{{ plan.name }}</label>
          <ul class="plan-details" [id]="group + '-' + plan.id + '-details'">
            <li class="price">{{ price(plan) }}</li>
            <li>{{ streams(plan) }}</li>
            <li>{{ quality(plan) }}</li>
            <li>{{ downloads(plan) }}</li>
          </ul>
        </div>
      }
    </fieldset>
  `,
  styles: `
    .plans {
      border: 0;
      padding: 0;
      margin: 0 0 1.25rem;
      display: grid;
      grid-template-columns: repeat(auto-fit, minmax(min(100%, 12rem), 1fr));
      gap: 0.75rem;
    }
    legend {
      padding: 0;
      margin-bottom: 0.5rem;
      font-weight: 600;
    }
    .plan {
      position: relative;
      display: grid;
      grid-template-columns: auto 1fr;
      align-items: center;
      gap: 0.25rem 0.5rem;
      padding: 0.9rem;
      border: 2px solid #444;
      border-radius: var(--radius);
      background: var(--surface);
    }
    .plan.chosen {
      border-color: var(--accent);
    }
    .plan:has(input:focus-visible) {
      outline: 3px solid #fff;
      outline-offset: 2px;
    }
    input {
      position: relative;
      z-index: 1;
      width: auto;
      margin: 0;
      accent-color: var(--accent);
    }
    .plan-name {
      margin: 0;
      color: var(--text);
      font-weight: 700;
      font-size: 1.1rem;
    }
    .plan-name::after {
      content: '';
      position: absolute;
      inset: 0;
      cursor: pointer;
    }
    .plan-details {
      grid-column: 1 / -1;
      list-style: none;
      margin: 0;
      padding: 0;
      color: var(--text-dim);
      font-size: 0.9rem;
      line-height: 1.5;
    }
    .price {
      color: var(--text);
      font-weight: 600;
    }
  `,
})
export class PlanChoice {
  readonly plans = input.required<Plan[]>();
  readonly legend = input('Choose a plan');
  readonly selected = model<string | null>(null);

  protected readonly group = `plan-${nextGroup++}`;
  protected readonly price = planPrice;
  protected readonly quality = planQuality;
  protected readonly streams = planStreams;
  protected readonly downloads = planDownloads;
}

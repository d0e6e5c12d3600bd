import { ChangeDetectionStrategy, Component, computed, inject, input } from '@angular/core';
import { MyList } from './my-list';

/** "Add to My List" / "Remove from My List": a toggle named by what it will do. */
@Component({
  selector: 'app-my-list-button',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <button
      type="button"
      class="my-list"
      [class.compact]="compact()"
      data-testid="my-list-button"
      [attr.aria-label]="label()"
      [attr.title]="label()"
      (click)="list.toggle(titleId())"
    >
      <span aria-hidden="true">{{ listed() ? '✓' : '+' }}</span>
      @if (!compact()) {
        <span aria-hidden="true">My List</span>
      }
    </button>
  `,
  styles: `
    .my-list {
      display: inline-flex;
      gap: 0.4rem;
      align-items: center;
    }
    .my-list.compact {
      padding: 0 0.4rem;
      min-width: 1.6rem;
      min-height: 1.6rem;
      line-height: 1;
      border-radius: 50%;
    }
  `,
})
export class MyListButton {
  protected readonly list = inject(MyList);
  readonly titleId = input.required<string>();
  /** A small round button (on cards) rather than a labelled one (on the title page). */
  readonly compact = input(false);

  protected readonly listed = computed(() => this.list.titleIds().has(this.titleId()));
  protected readonly label = computed(() =>
    this.listed() ? 'Remove from My List' : 'Add to My List',
  );
}

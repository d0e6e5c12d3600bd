import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  effect,
  inject,
  input,
  output,
  signal,
  viewChildren,
} from '@angular/core';

export interface Choice {
  value: string;
  label: string;
  checked: boolean;
}

/**
 * A control-bar button (named by `name`) opening a menu of radio choices: audio language,
 * subtitles, quality. Arrow keys move, Enter/Space pick, Escape closes and returns focus.
 */
@Component({
  selector: 'app-choice-menu',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: { '(document:pointerdown)': 'closeIfOutside($event)' },
  template: `
    <button
      #trigger
      type="button"
      class="trigger"
      [attr.aria-label]="name()"
      aria-haspopup="menu"
      [attr.aria-expanded]="open()"
      (click)="toggle()"
    >
      {{ name() }}
    </button>
    @if (open()) {
      <ul class="menu" role="menu" [attr.aria-label]="name()" (keydown)="navigate($event)">
        @for (choice of choices(); track choice.value) {
          <li role="none">
            <button
              #item
              type="button"
              role="menuitemradio"
              [attr.aria-checked]="choice.checked"
              (click)="pick(choice.value)"
            >
              {{ choice.label }}
            </button>
          </li>
        }
      </ul>
    }
  `,
  styles: `
    :host {
      position: relative;
    }
    .trigger {
      min-height: 2.75rem;
      padding: 0.25rem 0.75rem;
      border: 0;
      border-radius: var(--radius);
      background: none;
      color: var(--text);
      font: inherit;
      font-weight: 600;
      cursor: pointer;
    }
    .trigger:hover,
    .trigger[aria-expanded='true'] {
      background: rgba(255, 255, 255, 0.15);
    }
    .menu {
      position: absolute;
      right: 0;
      bottom: calc(100% + 0.5rem);
      min-width: 10rem;
      max-height: 60vh;
      overflow-y: auto;
      margin: 0;
      padding: 0.35rem 0;
      list-style: none;
      background: rgba(20, 20, 20, 0.95);
      border-radius: var(--radius);
      box-shadow: 0 8px 24px rgba(0, 0, 0, 0.6);
    }
    [role='menuitemradio'] {
      position: relative;
      display: block;
      width: 100%;
      padding: 0.5rem 1rem 0.5rem 2rem;
      border: 0;
      background: none;
      color: var(--text);
      font: inherit;
      text-align: left;
      white-space: nowrap;
      cursor: pointer;
    }
    [role='menuitemradio']:hover,
    [role='menuitemradio']:focus-visible {
      background: var(--surface-2);
      outline: none;
    }
    [aria-checked='true']::before {
      content: '✓';
      position: absolute;
      left: 0.75rem;
    }
  `,
})
export class ChoiceMenu {
  readonly name = input.required<string>();
  readonly choices = input.required<Choice[]>();
  readonly picked = output<string>();
  readonly openChange = output<boolean>();

  protected readonly open = signal(false);
  private readonly host = inject<ElementRef<HTMLElement>>(ElementRef);
  private readonly items = viewChildren<ElementRef<HTMLButtonElement>>('item');

  constructor() {
    effect(() => {
      const checked = this.choices().findIndex((choice) => choice.checked);
      this.items()[Math.max(0, checked)]?.nativeElement.focus();
    });
  }

  protected toggle(): void {
    this.setOpen(!this.open());
  }

  protected pick(value: string): void {
    this.picked.emit(value);
    this.close();
  }

  protected navigate(event: KeyboardEvent): void {
    const buttons = this.items().map((item) => item.nativeElement);
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const moves: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: at - 1,
      Home: 0,
      End: buttons.length - 1,
    };
    if (event.key in moves) {
      event.preventDefault();
      buttons[(moves[event.key] + buttons.length) % buttons.length]?.focus();
    } else if (event.key === 'Escape') {
      event.preventDefault();
      this.close();
    } else if (event.key === 'Tab') {
      this.close();
    }
  }

  protected closeIfOutside(event: Event): void {
    if (this.open() && !this.host.nativeElement.contains(event.target as Node)) {
      this.setOpen(false);
    }
  }

  private close(): void {
    this.setOpen(false);
    this.host.nativeElement.querySelector('button')?.focus();
  }

  private setOpen(open: boolean): void {
    this.open.set(open);
    this.openChange.emit(open);
  }
}

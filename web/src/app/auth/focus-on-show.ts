import { Directive, ElementRef, afterNextRender, inject } from '@angular/core';

/** Moves focus to its element once it is shown (a step or dialog that replaces what had focus). */
@Directive({ selector: '[appFocusOnShow]' })
export class FocusOnShow {
  constructor() {
    const element = inject<ElementRef<HTMLElement>>(ElementRef).nativeElement;
    afterNextRender(() => element.focus());
  }
}

import { Injectable, computed, signal } from '@angular/core';
import { api, ok, type Schemas } from '../api/client';
import { viewerMessage } from '../core/problems';

export type StudioTitle = Schemas['StudioTitle'];

/**
 * The title one editor screen works on: loaded once by the editor shell and shared with its
 * tabs (provided by `TitleEditor`). Every studio edit answers the title as it now stands, so
 * `save` takes that answer as the new state.
 */
@Injectable()
export class TitleStore {
  readonly title = signal<StudioTitle | null>(null);
  readonly error = signal('');
  readonly saving = signal(false);
  readonly saved = signal('');
  readonly id = computed(() => this.title()?.id ?? '');

  async load(titleId: string): Promise<void> {
    this.error.set('');
    try {
      this.title.set(
        await ok(
          api.GET('/api/v1/studio/titles/{title_id}', { params: { path: { title_id: titleId } } }),
        ),
      );
    } catch (error) {
      this.error.set(viewerMessage(error));
    }
  }

  /** Run an edit; an answer that is the title replaces it, anything else reloads it. */
  async save(what: string, edit: () => Promise<unknown>): Promise<boolean> {
    this.saving.set(true);
    this.error.set('');
    this.saved.set('');
    try {
      const answer = await edit();
      if (isStudioTitle(answer)) {
        this.title.set(answer);
      } else {
        await this.load(this.id());
      }
      this.saved.set(`${what} saved.`);
      return true;
    } catch (error) {
      this.error.set(viewerMessage(error));
      return false;
    } finally {
      this.saving.set(false);
    }
  }
}

function isStudioTitle(value: unknown): value is StudioTitle {
  return typeof value === 'object' && value !== null && 'windows' in value && 'seasons' in value;
}

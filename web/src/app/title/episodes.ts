import {
  ChangeDetectionStrategy,
  Component,
  computed,
  inject,
  input,
  linkedSignal,
} from '@angular/core';
import { Router } from '@angular/router';
import type { Schemas } from '../api/client';
import { DownloadButton } from '../downloads/download-button';
import { watchedFraction } from '../shared/title-card';
import { runtime } from './format';

type Season = Schemas['SeasonView'];
type Episode = Schemas['EpisodeView'];
type HistoryEntry = Schemas['HistoryEntry'];

/** A series' seasons: a season selector and each episode's play button, synopsis and progress. */
@Component({
  selector: 'app-episodes',
  imports: [DownloadButton],
  changeDetection: ChangeDetectionStrategy.OnPush,
  templateUrl: './episodes.html',
  styleUrl: './episodes.css',
})
export class Episodes {
  private readonly router = inject(Router);

  readonly titleId = input.required<string>();
  readonly seasons = input.required<Season[]>();
  /** The profile's positions by episode id. */
  readonly positions = input.required<Map<string, HistoryEntry>>();
  /** The season shown first: the one holding this episode. */
  readonly startEpisodeId = input<string | null>(null);
  /** The series' languages, offered when downloading an episode. */
  readonly audioLanguages = input<string[]>([]);
  readonly subtitleLanguages = input<string[]>([]);

  protected readonly seasonNumber = linkedSignal(() => this.startingSeason().number);
  protected readonly season = computed(
    () => this.seasons().find((s) => s.number === this.seasonNumber()) ?? this.seasons()[0],
  );
  protected readonly runtime = runtime;

  private readonly startingSeason = computed(() => {
    const start = this.startEpisodeId();
    return this.seasons().find((s) => s.episodes.some((e) => e.id === start)) ?? this.seasons()[0];
  });

  protected chooseSeason(event: Event): void {
    this.seasonNumber.set(Number((event.target as HTMLSelectElement).value));
  }

  protected playLabel(episode: Episode): string {
    return `Play S${this.season().number} E${episode.number}: ${episode.title}`;
  }

  protected progress(episode: Episode): number | null {
    const entry = this.positions().get(episode.id);
    if (!entry) {
      return null;
    }
    return entry.watched ? 1 : watchedFraction(entry.position_s, entry.duration_s);
  }

  protected progressLabel(done: number): string {
    return done >= 1 ? 'Watched' : `${Math.round(done * 100)}% watched`;
  }

  protected play(episode: Episode): void {
    void this.router.navigate(['/watch', this.titleId()], { queryParams: { episode: episode.id } });
  }
}

/**
 * Samples a runner's live numbers every few seconds, but only while someone watches (a console
 * page's event stream): an unwatched job pays nothing. Keeps the last few minutes, so a page that
 * opens gets its charts filled at once.
 */
import type { MemberMetricsJson } from '../metrics/runner-metrics.js';
import { sampleOf, type LiveSample } from './live-sample.js';
import { Feed } from './sse.js';

export const SAMPLE_INTERVAL_MS = 2_000;
const HISTORY = 150;

export interface LiveSamplerOptions {
  /** Every live member's registry (RunnerMonitor.collect). */
  collect: () => Promise<MemberMetricsJson[]>;
  /** The job's sink operators. */
  sinks: readonly string[];
  intervalMs?: number;
}

/**
 * @example
 * const sampler = new LiveSampler({ collect: () => monitor.collect(), sinks: ['to-trending'] });
 * const off = sampler.subscribe((s) => sse.send('sample', s));
 */
export class LiveSampler {
  readonly #feed = new Feed<LiveSample>();
  readonly #history: LiveSample[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sampling = false;

  constructor(readonly o: LiveSamplerOptions) {}

  /** A sample taken now (not kept). */
  async now(): Promise<LiveSample> {
    return sampleOf(await this.o.collect(), this.o.sinks, Date.now());
  }

  /** The samples kept, oldest first. */
  history(): readonly LiveSample[] {
    return this.#history;
  }

  /** Gets every new sample; sampling runs while anyone listens. */
  subscribe(listener: (s: LiveSample) => void): () => void {
    const off = this.#feed.subscribe(listener);
    if (!this.#timer) {
      this.#timer = setInterval(() => void this.#tick(), this.o.intervalMs ?? SAMPLE_INTERVAL_MS);
      this.#timer.unref();
      void this.#tick();
    }
    return () => {
      off();
      if (this.#feed.size === 0) this.close();
    };
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #tick(): Promise<void> {
    if (this.#sampling) return; // members slower than the interval: skip rather than pile up
    this.#sampling = true;
    try {
      const s = await this.now();
      this.#history.push(s);
      if (this.#history.length > HISTORY) this.#history.shift();
      this.#feed.publish(s);
    } catch {
      // A sample missed (members busy restarting): the next tick tries again.
    } finally {
      this.#sampling = false;
    }
  }
}

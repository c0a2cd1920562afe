/**
 * The venue's event bus: every accepted command's engine events are published here, in order, after the
 * command has been applied. Adapters (WebSocket streams, history writers) subscribe; a subscriber that
 * throws is reported and does not stop the others.
 */
import type { EngineEvent } from '../engine/index.js';

/** `seq`: the journal sequence number of the command that emitted the event (0 when nothing is journaled) */
export type EventListener = (event: EngineEvent, time: number, seq: number) => void;

export class EventHub {
  private readonly listeners = new Set<EventListener>();
  /** called when a listener throws (default: written to stderr) */
  onListenerError: (error: unknown) => void = (error) => {
    process.stderr.write(`perpsim: event listener failed: ${(error as Error)?.stack ?? String(error)}\n`);
  };

  subscribe(fn: EventListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  publish(events: readonly EngineEvent[], time: number, seq = 0): void {
    if (events.length === 0 || this.listeners.size === 0) return;
    for (const event of events) {
      for (const fn of this.listeners) {
        try {
          fn(event, time, seq);
        } catch (error) {
          this.onListenerError(error);
        }
      }
    }
  }
}

import type { Database } from '../db/client.ts';
import type { RunEvent } from './types.ts';

const CHANNEL = 'orbit_run_events';

/** Event types that end a run's stream. */
export const TERMINAL_EVENT_TYPES = new Set(['run.succeeded', 'run.failed', 'run.cancelled']);

interface EventRow {
  run_id: string;
  seq: number;
  type: string;
  data: Record<string, unknown>;
  at: Date | string;
}

function toEvent(r: EventRow): RunEvent {
  return {
    runId: r.run_id,
    seq: Number(r.seq),
    type: r.type,
    data: r.data ?? {},
    at: (r.at instanceof Date ? r.at : new Date(r.at)).toISOString(),
  };
}

/**
 * The append-only event log. Appends take the next number from the run's own counter in the same statement
 * that inserts the event, so the sequence is gapless and duplicate-free however many writers there are: the
 * UPDATE row-locks the run, and a failed insert rolls the counter back with it. The statement also NOTIFYs,
 * which both PostgreSQL (across processes) and PGlite (in process) deliver on commit.
 */
export class EventLog {
  private readonly groups = new Map<string, SubscriberGroup>();
  private unlisten: (() => Promise<void>) | undefined;
  private listening: Promise<void> | undefined;

  constructor(private readonly database: Database) {}

  async append(runId: string, type: string, data: Record<string, unknown> = {}): Promise<RunEvent> {
    const rows = await this.database.query<EventRow>(
      `WITH s AS (
         UPDATE runs SET event_seq = event_seq + 1 WHERE id = $1 RETURNING event_seq
       ), e AS (
         INSERT INTO run_events (run_id, seq, type, data)
         SELECT $1, s.event_seq, $2, $3::jsonb FROM s
         RETURNING run_id, seq, type, data, at
       )
       SELECT e.*, pg_notify('${CHANNEL}', e.run_id || ':' || e.seq) FROM e`,
      [runId, type, JSON.stringify(data)],
    );
    const row = rows[0];
    if (!row) throw new Error(`cannot append event to run ${runId}: no such run`);
    return toEvent(row);
  }

  /** Events with seq > afterSeq, in order. */
  async list(runId: string, afterSeq = 0, limit = 1000): Promise<RunEvent[]> {
    const rows = await this.database.query<EventRow>(
      'SELECT run_id, seq, type, data, at FROM run_events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [runId, afterSeq, limit],
    );
    return rows.map(toEvent);
  }

  /**
   * Calls `onEvent` once for every event after `afterSeq`, past and future, in order, exactly once each, until
   * the returned function is called. Live delivery is shared per run (one query per notification, however many
   * subscribers); a subscriber that sees a gap reads the missing events from the log itself.
   */
  async subscribe(runId: string, afterSeq: number, onEvent: (e: RunEvent) => void): Promise<() => void> {
    await this.ensureListening();
    let group = this.groups.get(runId);
    if (!group) {
      group = new SubscriberGroup(runId, this);
      this.groups.set(runId, group);
    }
    const sub = group.add(afterSeq, onEvent);
    sub.pull();
    return () => {
      group.remove(sub);
      if (group.size === 0) {
        group.close();
        this.groups.delete(runId);
      }
    };
  }

  get subscriberCount(): number {
    let n = 0;
    for (const g of this.groups.values()) n += g.size;
    return n;
  }

  async close(): Promise<void> {
    for (const g of this.groups.values()) g.close();
    this.groups.clear();
    await this.unlisten?.();
    this.unlisten = undefined;
    this.listening = undefined;
  }

  private ensureListening(): Promise<void> {
    this.listening ??= this.database
      .listen(CHANNEL, (payload) => {
        const at = payload.lastIndexOf(':');
        const runId = payload.slice(0, at);
        const seq = Number(payload.slice(at + 1));
        this.groups.get(runId)?.notified(seq);
      })
      .then((unlisten) => {
        this.unlisten = unlisten;
      });
    return this.listening;
  }
}

class Subscriber {
  private pulling = false;
  private again = false;

  constructor(
    private readonly log: EventLog,
    private readonly runId: string,
    public lastSeq: number,
    private readonly onEvent: (e: RunEvent) => void,
    public closed = false,
  ) {}

  /** Accepts the next event only; anything further ahead means we missed some, so read them from the log. */
  offer(e: RunEvent): void {
    if (this.closed || e.seq <= this.lastSeq) return;
    if (e.seq === this.lastSeq + 1 && !this.pulling) {
      this.lastSeq = e.seq;
      this.onEvent(e);
      return;
    }
    this.pull();
  }

  pull(): void {
    if (this.pulling) {
      this.again = true;
      return;
    }
    this.pulling = true;
    void (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const batch = await this.log.list(this.runId, this.lastSeq, 500);
            for (const e of batch) {
              if (this.closed) return;
              if (e.seq === this.lastSeq + 1) {
                this.lastSeq = e.seq;
                this.onEvent(e);
              }
            }
            if (batch.length < 500) break;
          }
        } while (this.again && !this.closed);
      } catch {
        // The database is unreachable for a moment: the group's periodic check will make us try again.
      } finally {
        this.pulling = false;
      }
    })();
  }
}

class SubscriberGroup {
  private readonly subs = new Set<Subscriber>();
  private cursor = -1;
  private fetching = false;
  private wanted = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly runId: string,
    private readonly log: EventLog,
  ) {
    // A safety net for a notification lost while the LISTEN connection was down.
    this.timer = setInterval(() => {
      for (const s of this.subs) s.pull();
    }, 5000);
    this.timer.unref();
  }

  get size() {
    return this.subs.size;
  }

  add(afterSeq: number, onEvent: (e: RunEvent) => void): Subscriber {
    const sub = new Subscriber(this.log, this.runId, afterSeq, onEvent);
    this.subs.add(sub);
    return sub;
  }

  remove(sub: Subscriber) {
    sub.closed = true;
    this.subs.delete(sub);
  }

  close() {
    clearInterval(this.timer);
    for (const s of this.subs) s.closed = true;
    this.subs.clear();
  }

  notified(seq: number): void {
    if (this.cursor < 0) this.cursor = seq - 1;
    this.wanted = Math.max(this.wanted, seq);
    if (this.fetching) return;
    this.fetching = true;
    void (async () => {
      try {
        while (this.cursor < this.wanted) {
          const batch = await this.log.list(this.runId, this.cursor, 500);
          if (batch.length === 0) break;
          for (const e of batch) {
            this.cursor = e.seq;
            for (const s of this.subs) s.offer(e);
          }
        }
      } catch {
        for (const s of this.subs) s.pull();
      } finally {
        this.fetching = false;
      }
    })();
  }
}

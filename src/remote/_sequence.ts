// Per origin + topic tracking of sequence numbers: duplicates, gaps, late arrivals.

/** Sequence numbers remembered below the highest one seen, to accept late arrivals. */
const WINDOW = 1024;

/** Counters shared by all streams of one subscriber. */
export interface SequenceCounters {
  duplicates: number;
  gaps: number;
  gapEvents: number;
  late: number;
  restarts: number;
  /**
   * Payloads each stream's publisher sent before the first one received (sequence numbers
   * below it): the subscriber joined late, or its subscription reached the publisher after the
   * publisher began. Not gaps; shown so that such a loss is never silent.
   */
  missedAtStart: number;
}

/** State of one origin + topic stream. */
export interface StreamState {
  session: number;
  firstSeq: number;
  lastSeq: number;
  marks: Uint8Array;
}

/** Creates counters at zero. */
export function newCounters(): SequenceCounters {
  return { duplicates: 0, gaps: 0, gapEvents: 0, late: 0, restarts: 0, missedAtStart: 0 };
}

/** Starts a stream at `seq`. */
export function newStream(session: number, seq: number): StreamState {
  const marks = new Uint8Array(WINDOW);
  marks[seq % WINDOW] = 1;
  return { session, firstSeq: seq, lastSeq: seq, marks };
}

/**
 * Records `seq` on `stream`; returns false for a duplicate. A jump forward adds the missing
 * count to `gaps`; a missing number that arrives later (within the window) is accepted,
 * counted as `late` and taken off `gaps`.
 */
export function acceptSeq(stream: StreamState, seq: number, counters: SequenceCounters): boolean {
  const last = stream.lastSeq;
  if (seq === last + 1) {
    stream.marks[seq % WINDOW] = 1;
    stream.lastSeq = seq;
    return true;
  }
  if (seq > last) {
    const missing = seq - last - 1;
    counters.gaps += missing;
    counters.gapEvents++;
    if (missing >= WINDOW) stream.marks.fill(0);
    else for (let s = last + 1; s < seq; s++) stream.marks[s % WINDOW] = 0;
    stream.marks[seq % WINDOW] = 1;
    stream.lastSeq = seq;
    return true;
  }
  if (last - seq < WINDOW && seq >= stream.firstSeq && stream.marks[seq % WINDOW] === 0) {
    stream.marks[seq % WINDOW] = 1;
    counters.gaps--;
    counters.late++;
    return true;
  }
  counters.duplicates++;
  return false;
}

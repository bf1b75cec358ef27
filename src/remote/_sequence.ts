// Per origin + topic + session tracking of sequence numbers: duplicates, gaps, late arrivals,
// and jumps too far to trust (docs/wire-format.md, "Sequence numbers").

/** Sequence numbers remembered below the highest one seen, to accept late arrivals. */
export const WINDOW = 1024;

/** Default bound on how far a sequence number may jump forward and still count as a gap. */
export const DEFAULT_MAX_SEQ_JUMP = 10_000_000;

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
  /**
   * Times a stream's numbering was not followed: a jump forward beyond the bound, or back
   * beyond the window (forged or corrupted headers, a publisher that lost its count).
   */
  seqJumps: number;
}

/** Where a stream stood before a jump of a window or more, to go back to if it was false. */
interface BeforeJump {
  firstSeq: number;
  lastSeq: number;
  marks: Uint8Array;
  /** Gaps the jump added. */
  gaps: number;
}

/** State of one origin + topic + session stream. */
export interface StreamState {
  session: number;
  firstSeq: number;
  lastSeq: number;
  marks: Uint8Array;
  /** What this stream's start added to `missedAtStart`. */
  missed: number;
  beforeJump?: BeforeJump;
}

/** Creates counters at zero. */
export function newCounters(): SequenceCounters {
  return {
    duplicates: 0,
    gaps: 0,
    gapEvents: 0,
    late: 0,
    restarts: 0,
    missedAtStart: 0,
    seqJumps: 0,
  };
}

/**
 * Starts a stream at `seq`, adding `missed` (what its publisher sent before, as far as it is
 * believed) to `missedAtStart`.
 */
export function newStream(
  session: number,
  seq: number,
  missed: number,
  counters: SequenceCounters,
): StreamState {
  const marks = new Uint8Array(WINDOW);
  marks[seq % WINDOW] = 1;
  counters.missedAtStart += missed;
  return { session, firstSeq: seq, lastSeq: seq, marks, missed };
}

function restartAt(stream: StreamState, seq: number): void {
  stream.firstSeq = seq;
  stream.lastSeq = seq;
  stream.marks = new Uint8Array(WINDOW);
  stream.marks[seq % WINDOW] = 1;
}

/**
 * Records `seq` on `stream`; returns false for a duplicate. A jump forward of up to `maxJump`
 * adds the missing count to `gaps`; a missing number that arrives later (within the window) is
 * accepted, counted as `late` and taken off `gaps`. A jump forward beyond `maxJump` is not
 * trusted: the stream restarts there, nothing counted as gaps. A number more than the window
 * behind restarts the stream there too, unless it continues the numbering from before the last
 * big jump, which is then undone (its gaps taken back): one forged header cannot make later
 * genuine payloads count as duplicates, nor put 2^53 into the gaps.
 */
export function acceptSeq(
  stream: StreamState,
  seq: number,
  counters: SequenceCounters,
  maxJump: number,
): boolean {
  const last = stream.lastSeq;
  if (seq === last + 1) {
    stream.marks[seq % WINDOW] = 1;
    stream.lastSeq = seq;
    return true;
  }
  if (seq > last) {
    const missing = seq - last - 1;
    if (missing >= WINDOW) {
      stream.beforeJump = {
        firstSeq: stream.firstSeq,
        lastSeq: last,
        marks: stream.marks.slice(),
        gaps: missing > maxJump ? 0 : missing,
      };
    }
    if (missing > maxJump) {
      counters.seqJumps++;
      restartAt(stream, seq);
      return true;
    }
    counters.gaps += missing;
    counters.gapEvents++;
    if (missing >= WINDOW) stream.marks.fill(0);
    else for (let s = last + 1; s < seq; s++) stream.marks[s % WINDOW] = 0;
    stream.marks[seq % WINDOW] = 1;
    stream.lastSeq = seq;
    return true;
  }
  if (last - seq < WINDOW) {
    if (seq >= stream.firstSeq && stream.marks[seq % WINDOW] === 0) {
      stream.marks[seq % WINDOW] = 1;
      counters.gaps--;
      counters.late++;
      return true;
    }
    counters.duplicates++;
    return false;
  }
  counters.seqJumps++;
  const before = stream.beforeJump;
  stream.beforeJump = undefined;
  if (before && seq > before.lastSeq - WINDOW) {
    counters.gaps -= before.gaps;
    stream.firstSeq = before.firstSeq;
    stream.lastSeq = before.lastSeq;
    stream.marks = before.marks;
    return acceptSeq(stream, seq, counters, maxJump);
  }
  // A stream that began ahead of the numbering it now follows: its start was not to be
  // believed, nor what it added to missedAtStart.
  if (seq < stream.firstSeq) {
    counters.missedAtStart += seq - 1 - stream.missed;
    stream.missed = seq - 1;
  }
  restartAt(stream, seq);
  return true;
}

/**
 * The dedupe memory of reconstruction: a compact open-addressing hash set over event-id digests,
 * held in one `Uint32Array` (16 bytes a slot; ~213 MB for 10M events at the 0.75 load it keeps,
 * sized to the expected count rather than to a power of two),
 * instead of a `Map` of strings (~670 MB for 2M ids).
 *
 * Each slot holds a 95-bit digest of the event id (three 32-bit lanes of a MurmurHash3-style
 * mix over the id's UTF-16 code units; the top lane's low bit marks the slot used) and the first
 * 32 bits of the record's payload hash. Two different events are merged only if their ids agree
 * on all 95 bits *and* their payload hashes on 32 bits; a mere id-digest collision between
 * events with different payloads surfaces as `REPLAY_EVENT_ID_CONFLICT` (fails closed).
 */

/** Outcome of `EventIdSet.add`. */
export type SeenOutcome = 'new' | 'duplicate' | 'conflict';

const SLOT_WORDS = 4;
const MAX_LOAD = 0.75;

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A set of event ids with the payload hash first seen for each. */
export class EventIdSet {
  private table: Uint32Array;
  private slots: number;
  private used = 0;
  // Scratch lanes of the last digest (avoids allocating per call).
  private h1 = 0;
  private h2 = 0;
  private h3 = 0;

  /** `capacityHint`: expected number of distinct events (the table grows as needed). */
  constructor(capacityHint = 1 << 16) {
    const slots = Math.max(1 << 10, Math.ceil(capacityHint / MAX_LOAD));
    this.table = new Uint32Array(slots * SLOT_WORDS);
    this.slots = slots;
  }

  /** Number of distinct event ids held. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the table. */
  get byteLength(): number {
    return this.table.byteLength;
  }

  /**
   * Records `eventId` with `payloadHash` (64 hex). Returns `new` the first time, `duplicate`
   * when seen before with the same payload hash, `conflict` when seen with another one.
   */
  add(eventId: string, payloadHash: string): SeenOutcome {
    this.digest(eventId);
    const tag = Number.parseInt(payloadHash.slice(0, 8), 16) >>> 0;
    if (this.used + 1 > this.slots * MAX_LOAD) this.grow();
    const t = this.table;
    const { h1, h2, h3 } = this;
    const slots = this.slots;
    let i = h1 % slots;
    for (;;) {
      const o = i * SLOT_WORDS;
      const w3 = t[o + 2] as number;
      if (w3 === 0) {
        t[o] = h1;
        t[o + 1] = h2;
        t[o + 2] = h3;
        t[o + 3] = tag;
        this.used++;
        return 'new';
      }
      if (t[o] === h1 && t[o + 1] === h2 && w3 === h3) return t[o + 3] === tag ? 'duplicate' : 'conflict';
      i = i + 1 === slots ? 0 : i + 1;
    }
  }

  private digest(text: string): void {
    let a = 0x9747b28c;
    let b = 0x1b873593 ^ text.length;
    let c = 0xcc9e2d51;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const k = text.charCodeAt(i);
      a = Math.imul(a ^ k, 0x01000193);
      a = (a << 13) | (a >>> 19);
      b = Math.imul(b ^ k, 0x5bd1e995);
      b = (b << 15) | (b >>> 17);
      b = (b + a) | 0;
      c = Math.imul(c + k, 0x27d4eb2d);
      c ^= c >>> 15;
      c = (c + b) | 0;
    }
    this.h1 = fmix((a ^ Math.imul(c, 0x165667b1)) + n);
    this.h2 = fmix(b ^ this.h1 ^ 0x68e31da4);
    this.h3 = (fmix(c ^ this.h2 ^ 0xb5297a4d) | 1) >>> 0;
  }

  private grow(): void {
    const old = this.table;
    const slots = this.slots * 2;
    const t = new Uint32Array(slots * SLOT_WORDS);
    for (let o = 0; o < old.length; o += SLOT_WORDS) {
      if (old[o + 2] === 0) continue;
      let i = (old[o] as number) % slots;
      while (t[i * SLOT_WORDS + 2] !== 0) i = i + 1 === slots ? 0 : i + 1;
      const d = i * SLOT_WORDS;
      t[d] = old[o] as number;
      t[d + 1] = old[o + 1] as number;
      t[d + 2] = old[o + 2] as number;
      t[d + 3] = old[o + 3] as number;
    }
    this.table = t;
    this.slots = slots;
  }
}

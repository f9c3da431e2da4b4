import { describe, expect, it } from 'vitest';
import { EventIdSet } from './event-id-set.js';

const hash = (n: number) => n.toString(16).padStart(8, '0') + 'f'.repeat(56);

describe('EventIdSet', () => {
  it('tells new, duplicate and conflicting payloads apart', () => {
    const set = new EventIdSet();
    expect(set.add('evt_1', hash(1))).toBe('new');
    expect(set.add('evt_1', hash(1))).toBe('duplicate');
    expect(set.add('evt_1', hash(2))).toBe('conflict');
    expect(set.add('evt_2', hash(1))).toBe('new');
    expect(set.size).toBe(2);
  });

  it('keeps 300k distinct ids distinct while growing', () => {
    const set = new EventIdSet(16);
    let fresh = 0;
    for (let i = 0; i < 300_000; i++) if (set.add(`evt_${i}`, hash(7)) === 'new') fresh++;
    expect(fresh).toBe(300_000);
    let dupes = 0;
    for (let i = 0; i < 300_000; i += 997) if (set.add(`evt_${i}`, hash(7)) === 'duplicate') dupes++;
    expect(dupes).toBe(Math.ceil(300_000 / 997));
    expect(set.size).toBe(300_000);
    // 16 bytes a slot; at most 4x the ids (the table doubles when its load passes 0.75).
    expect(set.byteLength).toBeLessThanOrEqual(300_000 * 16 * 4);
  });

  it('holds its capacity hint without growing, at 16 bytes a slot and load <= 0.75', () => {
    const set = new EventIdSet(100_000);
    const before = set.byteLength;
    expect(before).toBeLessThanOrEqual(Math.ceil(100_000 / 0.75) * 16 + 16);
    for (let i = 0; i < 100_000; i++) expect(set.add(`evt_${i}`, hash(i))).toBe('new');
    expect(set.byteLength).toBe(before);
    for (let i = 0; i < 100_000; i += 101) expect(set.add(`evt_${i}`, hash(i + 1))).toBe('conflict');
  });

  it('distinguishes ids that differ only in non-ASCII or length', () => {
    const set = new EventIdSet();
    for (const id of ['é', 'e\u0301', '😀', '\ud83d', 'a', 'a\u0000', '']) expect(set.add(id, hash(3))).toBe('new');
  });
});

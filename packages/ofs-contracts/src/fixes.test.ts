import { describe, expect, it } from 'vitest';
import { OFS_ERROR_CATALOGUE, OFS_ERROR_CODES } from './catalogue.js';
import { fixFor, OFS_ERROR_FIXES } from './fixes.js';

/** Verbs a fix may start with: each fix tells the operator what to do next. */
const IMPERATIVE = new Set(
  'add append change check compare correct create declare deploy end export feed find fix flatten follow give install leave load lower merge name narrow nothing plan point raise read record regenerate remove repair replace report restore rewrite run set shrink submit swap use wait write'.split(
    ' ',
  ),
);

describe('OFS_ERROR_FIXES', () => {
  it('has a fix for every catalogue code and nothing else', () => {
    expect(Object.keys(OFS_ERROR_FIXES).sort()).toEqual([...OFS_ERROR_CODES].sort());
  });

  it.each(OFS_ERROR_CODES)('%s: the fix says what to do, and does not restate the meaning', (code) => {
    const fix = fixFor(code);
    expect(fix.length).toBeGreaterThan(15);
    expect(fix.endsWith('.'), fix).toBe(true);
    const first = fix.split(/[\s:]/, 1)[0]!;
    expect(IMPERATIVE.has(first), `"${fix}" should start with an imperative verb`).toBe(true);
    const meaning = OFS_ERROR_CATALOGUE[code].meaning.toLowerCase();
    expect(meaning.includes(fix.toLowerCase().replace(/\.$/, ''))).toBe(false);
    expect(fix.toLowerCase().includes(meaning.replace(/\.$/, ''))).toBe(false);
  });
});

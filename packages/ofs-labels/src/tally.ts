import { compareCodePoints, type LabelStatus, type LabelTypeCounts } from '@ofs/contracts';
import { canonicalJson } from '@ofs/ids';

type LabelValue = string | number | boolean | null;

/** Running counts of one label type over the eligible (mature) subjects. */
export class TypeTally {
  labelled = 0;
  conflict = 0;
  unlabelled = 0;
  /** Count per LABELLED value, in a mutable box so counting is one map lookup. */
  private readonly values = new Map<LabelValue, { n: number }>();

  /** Counts one subject's resolution. */
  add(status: LabelStatus, value: LabelValue): void {
    if (status === 'LABELLED') {
      this.labelled++;
      const box = this.values.get(value);
      if (box === undefined) this.values.set(value, { n: 1 });
      else box.n++;
    } else if (status === 'CONFLICT') this.conflict++;
    else this.unlabelled++;
  }

  /** Adds counts of the same label type taken elsewhere (a shard's `toCounts`). */
  addCounts(counts: LabelTypeCounts): void {
    this.labelled += counts.labelled;
    this.conflict += counts.conflict;
    this.unlabelled += counts.unlabelled;
    for (const { value, count } of counts.values) {
      const box = this.values.get(value);
      if (box === undefined) this.values.set(value, { n: count });
      else box.n += count;
    }
  }

  /** The receipt's counts; values sorted by their canonical JSON (code point order). */
  toCounts(): LabelTypeCounts {
    const values = [...this.values].map(([value, box]) => ({ key: canonicalJson(value), value, count: box.n }));
    values.sort((a, b) => compareCodePoints(a.key, b.key));
    return {
      labelled: this.labelled,
      conflict: this.conflict,
      unlabelled: this.unlabelled,
      values: values.map(({ value, count }) => ({ value, count })),
    };
  }
}

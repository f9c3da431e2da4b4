import type { ReplayAnomaly, ReplayAnomalyCode, ReplayReceipt } from '@ofs/contracts';

/** Collects anomalies: exact totals per code, but only the first `limit` kept in the list. */
export class AnomalyCollector {
  private readonly list: ReplayAnomaly[] = [];
  private readonly byCode = new Map<ReplayAnomalyCode, number>();
  private total = 0;

  constructor(private readonly limit: number) {}

  /** Records one anomaly (built lazily: only when it will be listed). */
  add(code: ReplayAnomalyCode, make: () => ReplayAnomaly): void {
    this.total++;
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    if (this.list.length < this.limit) this.list.push(make());
  }

  /** The receipt's `anomalies` block; `by_code` keys sorted. */
  finish(): ReplayReceipt['anomalies'] {
    const byCode: Record<string, number> = {};
    for (const code of [...this.byCode.keys()].sort()) byCode[code] = this.byCode.get(code)!;
    return { total: this.total, by_code: byCode, list: this.list, truncated: this.total > this.list.length };
  }
}

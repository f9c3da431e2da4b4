import { NUMERIC_BINS } from '@ofs/publish';
import type { CardPartition, DatasetCard } from './card-content.js';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const e = (v: unknown): string => escapeHtml(String(v));

/** A number with fixed decimals, no locale (the card must be the same bytes everywhere). */
function fixed(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

function pct(n: number, total: number): string {
  return total === 0 ? '0.0%' : `${((n / total) * 100).toFixed(1)}%`;
}

function short(hash: string): string {
  return `<code title="${e(hash)}">${e(hash.slice(0, 12))}…</code>`;
}

const COLORS = {
  archive: '#7b61c9',
  eb: '#2a9d8f',
  missing: '#e76f51',
  labelled: '#2a9d8f',
  conflict: '#e76f51',
  unlabelled: '#c9c9c9',
  immature: '#264653',
  bar: '#457b9d',
} as const;

function offsetSpan(p: CardPartition): { start: bigint; width: bigint } {
  const start = BigInt(p.start_offset);
  const end = BigInt(p.end_offset);
  return { start, width: end > start ? end - start : 1n };
}

/** x position (0–1000) of an offset in a partition's range. */
function xOf(offset: string, p: CardPartition): number {
  const { start, width } = offsetSpan(p);
  const o = BigInt(offset);
  const clamped = o < start ? start : o > start + width ? start + width : o;
  return Number(((clamped - start) * 10000n) / width) / 10;
}

/** One bar per partition: the Archive ranges, then the EB ranges, and any missing range. */
function replayChart(card: DatasetCard): string {
  const rowH = 26;
  const rows = card.replay.partitions;
  const h = rows.length * rowH + 24;
  const marks: string[] = [];
  rows.forEach((p, i) => {
    const y = i * rowH + 4;
    marks.push(`<text x="0" y="${y + 14}" class="lbl">${e(`${p.topic}/${p.partition}`)}</text>`);
    const band = (ranges: readonly { start: string; end: string }[], kind: keyof typeof COLORS) => {
      for (const r of ranges) {
        const x0 = xOf(r.start, p);
        const x1 = Math.max(x0 + 0.5, xOf(r.end, p));
        marks.push(
          `<rect class="mark ${kind}" x="${fixed(260 + x0 * 0.7, 1)}" y="${y}" width="${fixed((x1 - x0) * 0.7, 1)}" height="18" fill="${COLORS[kind]}"><title>${e(`${kind} ${r.start}–${r.end}`)}</title></rect>`,
        );
      }
    };
    band(p.archive, 'archive');
    band(p.eb, 'eb');
    band(p.missing, 'missing');
    if (p.cutover_offset !== null) {
      const x = 260 + xOf(p.cutover_offset, p) * 0.7;
      marks.push(
        `<line x1="${fixed(x, 1)}" x2="${fixed(x, 1)}" y1="${y - 2}" y2="${y + 20}" stroke="#000" stroke-width="1.5"><title>cutover at ${e(p.cutover_offset)}</title></line>`,
      );
    }
  });
  const legend = `<text x="260" y="${h - 4}" class="lbl"><tspan fill="${COLORS.archive}">■</tspan> Archive  <tspan fill="${COLORS.eb}">■</tspan> EB  <tspan fill="${COLORS.missing}">■</tspan> missing  | cutover</text>`;
  return `<svg class="chart" data-chart="replay" viewBox="0 0 960 ${h}" width="960" height="${h}" role="img" aria-label="replay coverage per partition">${marks.join('')}${legend}</svg>`;
}

/** Stacked bars per event day: labelled, conflict, unlabelled; a dot for the immature share. */
function labelsChart(card: DatasetCard, labelType: string): string {
  const days = card.stats.days;
  const w = 960;
  const h = 220;
  const plotH = 170;
  const n = Math.max(1, days.length);
  const bw = (w - 60) / n;
  const marks: string[] = [];
  days.forEach((d, i) => {
    const c = d.labels[labelType];
    if (!c || d.rows === 0) return;
    const x = 50 + i * bw;
    let y = 10 + plotH;
    for (const kind of ['labelled', 'conflict', 'unlabelled'] as const) {
      const hh = (c[kind] / d.rows) * plotH;
      y -= hh;
      if (hh > 0) {
        marks.push(
          `<rect class="mark ${kind}" x="${fixed(x + 1, 1)}" y="${fixed(y, 1)}" width="${fixed(Math.max(1, bw - 2), 1)}" height="${fixed(hh, 1)}" fill="${COLORS[kind]}"><title>${e(`${d.day} ${kind} ${c[kind]} of ${d.rows}`)}</title></rect>`,
        );
      }
    }
    const iy = 10 + plotH - (c.immature / d.rows) * plotH;
    marks.push(
      `<circle class="mark immature" cx="${fixed(x + bw / 2, 1)}" cy="${fixed(iy, 1)}" r="3" fill="${COLORS.immature}"><title>${e(`${d.day} immature ${c.immature} of ${d.rows}`)}</title></circle>`,
    );
    if (n <= 31 || i % Math.ceil(n / 31) === 0) {
      marks.push(`<text x="${fixed(x + bw / 2, 1)}" y="${h - 20}" class="tick" text-anchor="middle">${e(d.day.slice(5))}</text>`);
    }
  });
  const axis = `<line x1="48" x2="48" y1="10" y2="${10 + plotH}" stroke="#888"/><text x="44" y="16" class="tick" text-anchor="end">100%</text><text x="44" y="${10 + plotH}" class="tick" text-anchor="end">0%</text>`;
  const legend = `<text x="50" y="${h - 4}" class="lbl"><tspan fill="${COLORS.labelled}">■</tspan> labelled  <tspan fill="${COLORS.conflict}">■</tspan> conflict  <tspan fill="${COLORS.unlabelled}">■</tspan> unlabelled  <tspan fill="${COLORS.immature}">●</tspan> immature share (event day, UTC)</text>`;
  return `<svg class="chart" data-chart="labels-${e(labelType)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="label coverage of ${e(labelType)} per event day">${axis}${marks.join('')}${legend}</svg>`;
}

/**
 * The label delay histogram of one label type: one bar per fixed bin (D114) with a count, the bin
 * names under the bars. `''` when no labelled row has a known delay (nothing to draw).
 */
function delayChart(labelType: string, bins: readonly string[], histogram: readonly number[]): string {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total === 0) return '';
  const w = 960;
  const h = 170;
  const top = 20;
  const plotH = 110;
  const max = Math.max(1, ...histogram);
  const bw = (w - 60) / Math.max(1, bins.length);
  const marks: string[] = [];
  bins.forEach((bin, i) => {
    const count = histogram[i] ?? 0;
    const x = 50 + i * bw;
    if (count > 0) {
      const hh = Math.max(1, (count / max) * plotH);
      marks.push(
        `<rect class="mark delay" x="${fixed(x + 2, 1)}" y="${fixed(top + plotH - hh, 1)}" width="${fixed(Math.max(1, bw - 4), 1)}" height="${fixed(hh, 1)}" fill="${COLORS.bar}"><title>${e(`${bin}: ${count} (${pct(count, total)})`)}</title></rect>`,
      );
      marks.push(
        `<text x="${fixed(x + bw / 2, 1)}" y="${fixed(top - 4 + plotH - hh, 1)}" class="tick" text-anchor="middle">${count}</text>`,
      );
    }
    marks.push(`<text x="${fixed(x + bw / 2, 1)}" y="${top + plotH + 14}" class="tick" text-anchor="middle">${e(bin)}</text>`);
  });
  const axis = `<line x1="48" x2="${w - 10}" y1="${top + plotH + 0.5}" y2="${top + plotH + 0.5}" stroke="#888"/>`;
  const legend = `<text x="50" y="${h - 4}" class="lbl">labelled rows per delay bin (observed_time − effective_time of the winning assertion)</text>`;
  return `<svg class="chart" data-chart="delay-${e(labelType)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="label delay distribution of ${e(labelType)}">${axis}${marks.join('')}${legend}</svg>`;
}

/** The label delay section: a histogram per label type, or why there is none. */
function delaySection(card: DatasetCard): string {
  const d = card.labels.delays;
  if (d === null)
    return '<p class="muted">No label delays recorded: these statistics were written before label delays, or computed from the rows (which do not hold them).</p>';
  return Object.keys(d.by_type)
    .map((t) => {
      const c = d.by_type[t] as { histogram: readonly number[]; unknown: number };
      const known = c.histogram.reduce((a, b) => a + b, 0);
      const chart = delayChart(t, d.bins, c.histogram);
      const unknown = c.unknown > 0 ? `; ${c.unknown} without a reported delay` : '';
      return `<h3>${e(t)}</h3><p>${known} labelled rows with a delay${unknown}.${known === 0 ? ' Nothing to draw.' : ''}</p>${chart}`;
    })
    .join('\n');
}

/** A small bar chart of counts (a histogram or value counts). */
function miniBars(name: string, counts: readonly { label: string; count: number }[]): string {
  const w = 220;
  const h = 46;
  const max = Math.max(1, ...counts.map((c) => c.count));
  const bw = w / Math.max(1, counts.length);
  const marks = counts
    .map((c, i) => {
      if (c.count === 0) return '';
      const hh = Math.max(1, (c.count / max) * (h - 4));
      return `<rect class="mark" x="${fixed(i * bw + 0.5, 1)}" y="${fixed(h - hh, 1)}" width="${fixed(Math.max(1, bw - 1), 1)}" height="${fixed(hh, 1)}" fill="${COLORS.bar}"><title>${e(`${c.label}: ${c.count}`)}</title></rect>`;
    })
    .join('');
  return `<svg class="chart" data-chart="feature-${e(name)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="distribution of ${e(name)}">${marks}<line x1="0" x2="${w}" y1="${h - 0.5}" y2="${h - 0.5}" stroke="#888"/></svg>`;
}

function featureRow(c: DatasetCard['stats']['columns'][number]): string {
  const nonNull = c.rows - c.nulls;
  let chart = '<span class="muted">—</span>';
  let summary = '';
  if (c.kind === 'numeric' && c.histogram && nonNull > 0) {
    chart = miniBars(
      c.name,
      c.histogram.map((count, i) => ({ label: NUMERIC_BINS[i] as string, count })),
    );
    summary = `min ${e(c.min)} · max ${e(c.max)}`;
  } else if (c.kind === 'mixed' && c.histogram && c.histogram.some((n) => n > 0)) {
    chart = miniBars(
      c.name,
      c.histogram.map((count, i) => ({ label: NUMERIC_BINS[i] as string, count })),
    );
    const other = c.values === null ? 'other values: more than the bound' : c.values.length > 0 ? `${c.values.length} other values` : '';
    summary = `min ${e(c.min)} · max ${e(c.max)}${other ? ` · ${other}` : ''}`;
  } else if ((c.kind === 'categorical' || c.kind === 'mixed') && c.values && c.values.length > 0) {
    const top = [...c.values].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)).slice(0, 12);
    chart = miniBars(
      c.name,
      top.map((v) => ({ label: v.value, count: v.count })),
    );
    summary = `${c.values.length} values: ${top
      .slice(0, 4)
      .map((v) => `${e(v.value)} ${pct(v.count, nonNull)}`)
      .join(', ')}`;
  } else if (c.kind === 'categorical' || c.kind === 'mixed') summary = 'more distinct values than the bound: counts only';
  else if (c.kind === 'sensitive') summary = 'sensitive: counts only';
  else summary = 'counts only';
  const kind =
    c.marker === undefined ? e(c.kind) : `${e(c.kind)} <span class="muted" title="marked in the feature profile">(profile)</span>`;
  return `<tr><td><code>${e(c.name)}</code></td><td>${e(c.type)}</td><td>${e(c.source)}</td><td>${kind}</td><td class="num">${pct(c.nulls, c.rows)}</td><td>${summary}</td><td>${chart}</td></tr>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1000px;color:#1d1d1d;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:6px 0}td,th{border-bottom:1px solid #eee;padding:3px 6px;text-align:left;vertical-align:middle}
th{background:#f6f6f6;font-weight:600}.num{text-align:right;font-variant-numeric:tabular-nums}code{font:12px ui-monospace,Menlo,Consolas,monospace}
.pill{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px}.ok{background:#d8f3dc;color:#1b4332}.bad{background:#ffd6cc;color:#7f1d1d}
.muted{color:#777}.lbl{font-size:12px}.tick{font-size:10px;fill:#555}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dt{color:#555}dd{margin:0}
`;

function pill(ok: boolean, text: string): string {
  return `<span class="pill ${ok ? 'ok' : 'bad'}">${e(text)}</span>`;
}

/**
 * Renders a dataset card as one self-contained HTML page: inline CSS and inline SVG charts, no
 * scripts, no external resources. Pure: the same card gives the same bytes.
 */
export function renderCardHtml(card: DatasetCard): string {
  const id = card.identity;
  const pins = card.pins;
  const st = card.status;
  const rt = card.replay.totals;
  const L = card.labels;
  const ok = st.status_class === 'COMPLETE_SUCCESS';
  const dl = (items: [string, string][]) => `<dl>${items.map(([k, v]) => `<dt>${e(k)}</dt><dd>${v}</dd>`).join('')}</dl>`;
  const labelTypes = Object.keys(L.by_type);
  const parts = card.parts
    .map(
      (p, i) =>
        `<tr><td class="num">${i}</td><td><code>${e(p.key)}</code></td><td class="num">${p.rows}</td><td class="num">${p.bytes}</td><td>${short(p.sha256)}</td></tr>`,
    )
    .join('');
  const partitions = card.replay.partitions
    .map(
      (p) =>
        `<tr><td>${e(p.topic)}</td><td class="num">${p.partition}</td><td>${e(p.mode)}</td><td class="num">${e(p.start_offset)}–${e(p.end_offset)}</td><td class="num">${p.cutover_offset === null ? '—' : e(p.cutover_offset)}</td><td class="num">${p.from_archive}</td><td class="num">${p.from_eb}</td><td class="num">${p.duplicates_dropped}</td><td class="num">${p.rows}</td></tr>`,
    )
    .join('');
  const types = labelTypes
    .map((t) => {
      const c = L.by_type[t] as DatasetCard['labels']['by_type'][string];
      const values = c.values.map((v) => `${e(JSON.stringify(v.value))}: ${v.count}`).join(', ');
      return `<tr><td>${e(t)}</td><td class="num">${c.labelled}</td><td class="num">${c.conflict}</td><td class="num">${c.unlabelled}</td><td class="num">${fixed(c.coverage)}</td><td>${values}</td></tr>`;
    })
    .join('');
  const features = card.stats.columns.filter((c) => c.source === 'feature' || c.source === 'entity');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Dataset card ${e(id.dataset_manifest_id)}</title><style>${CSS}</style></head>
<body>
<h1>Dataset card: ${e(pins.feature_set)}</h1>
<p>${pill(ok, st.status_class)} ${pill(st.training_posture === 'TRAINING', st.training_posture)} ${pill(st.replay_status === 'COMPLETE', `replay ${st.replay_status}`)} ${pill(st.label_status === 'READY_FOR_TRAINING', `labels ${st.label_status}`)} · ${card.rows_total} rows in ${card.parts.length} parts (${card.bytes_total} bytes)</p>
<h2>Identity and pins</h2>
${dl([
  ['manifest', `<code>${e(card.manifest_key)}</code>`],
  ['dataset manifest id', `<code>${e(id.dataset_manifest_id)}</code>`],
  ['fingerprint', short(id.dataset_fingerprint)],
  ['plan', `<code>${e(id.plan_id)}</code> (${e(id.intent_kind)})`],
  ['platform run', `<code>${e(id.platform_run_id)}</code>`],
  ['replay basis hash', short(id.basis_hash)],
  ['rows digest', short(id.rows_digest)],
  ['feature profile', `<code>${e(pins.feature_profile.ref)}</code> ${short(pins.feature_profile.digest)}`],
  ['policy', `${e(pins.policy_revision)} ${short(pins.policy_digest)}`],
  ['code release', `<code>${e(pins.code_release)}</code>`],
  ['config revision', `<code>${e(pins.config_revision)}</code>`],
  ['labels as of', `${e(pins.label_asof_utc)} (store state ${short(pins.label_store_state_marker)})`],
])}
<h2>Status and gates</h2>
<table><tr><th>gate</th><th class="num">value</th><th class="num">threshold</th><th>result</th></tr>
${st.gates.map((g) => `<tr><td>${e(g.name)}</td><td class="num">${fixed(g.value)}</td><td class="num">${g.op} ${fixed(g.threshold)}</td><td>${pill(g.pass, g.pass ? 'pass' : 'fail')}</td></tr>`).join('')}
</table>
${st.label_reasons.length > 0 ? `<p class="muted">${st.label_reasons.map(e).join('<br>')}</p>` : ''}
<h2>Replay coverage per partition</h2>
<p>${rt.records} records: ${rt.from_archive} from the Archive, ${rt.from_eb} from the EB; ${rt.duplicates} duplicates, ${rt.mismatches} mismatches. Reconstruction dropped ${card.reconstruction.duplicates_dropped} duplicate deliveries: ${card.reconstruction.row_events} row events → ${card.reconstruction.rows} rows.</p>
${replayChart(card)}
<table><tr><th>topic</th><th class="num">partition</th><th>mode</th><th class="num">offsets</th><th class="num">cutover</th><th class="num">Archive</th><th class="num">EB</th><th class="num">duplicates dropped</th><th class="num">rows</th></tr>${partitions}</table>
<h2>Labels: coverage and maturity over event time</h2>
<p>${e(L.posture)}, rule ${e(L.resolution_rule)}; coverage ${fixed(L.coverage)}, conflict ratio ${fixed(L.conflict_ratio)}; ${L.subjects} subjects, ${L.mature} mature, ${L.immature} immature${L.maturity_cutoff_utc ? ` (maturity ${L.maturity_days} days, cutoff ${e(L.maturity_cutoff_utc)})` : ''}.</p>
${labelTypes.map((t) => `<h3>${e(t)}</h3>${labelsChart(card, t)}`).join('\n')}
<h2>Label delay</h2>
<p class="muted">How long after a label took effect it was observed: <code>observed_time − effective_time</code> of the assertion that resolved each labelled row, in fixed bins (${e(card.stats.label_delays?.bins ?? 'label_delay.v1')}).</p>
${delaySection(card)}
<h2>Conflicts</h2>
<p>${L.conflicts} subjects with conflicting assertions at the cutoff (ratio ${fixed(L.conflict_ratio)}).</p>
<table><tr><th>label type</th><th class="num">labelled</th><th class="num">conflict</th><th class="num">unlabelled</th><th class="num">coverage</th><th>values</th></tr>${types}</table>
<h2>Features</h2>
<p class="muted">Histograms use fixed log-scale decade bins (${e(card.stats.bins)}); categorical columns show exact counts of at most ${card.stats.categorical_max_values} values; sensitive columns show counts only. A kind marked (profile) was set by the feature profile's statistics marker.</p>
<table><tr><th>column</th><th>type</th><th>source</th><th>kind</th><th class="num">null</th><th>summary</th><th>distribution</th></tr>
${features.map(featureRow).join('\n')}
</table>
<h2>Parts</h2>
<table><tr><th class="num">#</th><th>key</th><th class="num">rows</th><th class="num">bytes</th><th>sha256</th></tr>${parts}</table>
<p class="muted">${e(card.schema_version)} · generated by <code>ofs card</code> from the manifest and the receipts it cites.</p>
</body></html>
`;
}

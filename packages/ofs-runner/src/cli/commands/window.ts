import { writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { OfsError } from '@ofs/contracts';
import { resolveTimeWindow, type TimeWindowResolution, type TimeWindowSelector } from '@ofs/replay';
import type { DefaultCorridor } from '../../default-corridor.js';
import type { CommandContext } from '../command.js';
import { EXIT } from '../exit-codes.js';

/**
 * Parses `--window topic=…,start=…,end=…[,partitions=a-b][,offset_kind=…]` (start inclusive, end
 * exclusive, RFC 3339 instants with a zone).
 */
export function parseWindowOption(text: string): TimeWindowSelector {
  const fields: Record<string, string> = {};
  for (const part of text.split(',')) {
    const at = part.indexOf('=');
    const key = at < 0 ? part : part.slice(0, at);
    if (at < 0 || !['topic', 'start', 'end', 'partitions', 'offset_kind'].includes(key) || key in fields) {
      throw new OfsError('CLI_ARGUMENT_INVALID', {
        message: `--window takes topic=…,start=…,end=…[,partitions=a-b][,offset_kind=…]; cannot read ${JSON.stringify(part)}`,
      });
    }
    fields[key] = part.slice(at + 1);
  }
  for (const key of ['topic', 'start', 'end']) {
    if (!fields[key]) throw new OfsError('CLI_ARGUMENT_INVALID', { message: `--window needs ${key}=…` });
  }
  let partitions: number[] | undefined;
  if (fields.partitions !== undefined) {
    const m = /^(0|[1-9][0-9]{0,8})(?:-(0|[1-9][0-9]{0,8}))?$/.exec(fields.partitions);
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || hi < lo)
      throw new OfsError('CLI_ARGUMENT_INVALID', { message: `--window partitions must be n or a-b, got ${fields.partitions}` });
    partitions = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  }
  return {
    topic: fields.topic as string,
    start_utc: fields.start as string,
    end_utc: fields.end as string,
    ...(fields.offset_kind === undefined ? {} : { offset_kind: fields.offset_kind }),
    ...(partitions === undefined ? {} : { partitions }),
  };
}

/**
 * The intent a time window turns `template` into: the template's slices of other topics, plus the
 * resolved slices of the window's topic, and the selector with its resolution recorded beside them
 * in `time_window` (never part of the identity).
 */
export function applyTimeWindow(template: Record<string, unknown>, resolution: TimeWindowResolution): Record<string, unknown> {
  const others = Array.isArray(template.replay_basis)
    ? (template.replay_basis as { topic?: unknown }[]).filter((s) => s.topic !== resolution.selector.topic)
    : [];
  return {
    ...template,
    replay_basis: [...others, ...resolution.slices],
    time_window: { rule: resolution.rule, selector: resolution.selector, partitions: resolution.partitions },
  };
}

/** Resolves `--window` against the corridor's sources and writes `--out` when given. */
export async function windowedIntent(
  ctx: CommandContext,
  corridor: DefaultCorridor,
  template: unknown,
  window: string,
): Promise<{ intent: Record<string, unknown> | undefined; resolution: TimeWindowResolution }> {
  if (typeof template !== 'object' || template === null || Array.isArray(template)) {
    throw new OfsError('SCHEMA_INVALID', { message: 'the intent template must be a JSON object' });
  }
  const resolution = await resolveTimeWindow(
    parseWindowOption(window),
    { eb: corridor.eb, archive: corridor.archive },
    { signal: ctx.io.signal },
  );
  if (resolution.empty) return { intent: undefined, resolution };
  const intent = applyTimeWindow(template as Record<string, unknown>, resolution);
  const out = ctx.values.out;
  if (typeof out === 'string') {
    await writeFile(isAbsolute(out) ? out : resolve(ctx.io.cwd, out), `${JSON.stringify(intent, null, 2)}\n`, { flag: 'wx' }).catch(
      (error: unknown) => {
        throw new OfsError('CLI_ARGUMENT_INVALID', {
          message: `cannot write ${out}: ${(error as Error).message} (an existing file is never overwritten)`,
        });
      },
    );
  }
  return { intent, resolution };
}

/** The human lines of a resolved window. */
export function describeWindow(r: TimeWindowResolution): string[] {
  return [
    `time window ${r.selector.topic} [${r.selector.start_utc}, ${r.selector.end_utc}) → ${r.empty ? 'EMPTY' : 'offsets'} (${r.rule})`,
    ...r.partitions.map((p) =>
      p.status === 'EMPTY'
        ? `  ${r.selector.topic}/${p.partition}: no event in the window`
        : `  ${r.selector.topic}/${p.partition}: ${p.start_offset}..${p.end_offset}${p.late_records > 0 ? ` (${p.late_records} late event(s) kept by the watermark rule)` : ''}`,
    ),
  ];
}

/** A window with no events: an explicit empty result (exit 1), no intent written, nothing planned. */
export function emptyWindow(resolution: TimeWindowResolution) {
  return { exitCode: EXIT.FAILED, json: { time_window: resolution, empty: true }, text: describeWindow(resolution) };
}

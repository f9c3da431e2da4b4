import { OfsError, type RunState } from '@ofs/contracts';

/** States no move leaves. Repeating the move that reached one is a no-op. */
export const TERMINAL_STATES: readonly RunState[] = ['DONE', 'FAILED', 'CANCELLED'];

/**
 * Every allowed state change, as data (DESIGN §5). `RUNNING → RUNNING` is a claim of a run whose
 * lease expired; `QUEUED | PUBLISH_PENDING → FAILED` is a claim that finds the budget spent.
 */
export const RUN_TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  QUEUED: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['RUNNING', 'DONE', 'FAILED', 'QUEUED', 'PUBLISH_PENDING', 'CANCELLED'],
  PUBLISH_PENDING: ['RUNNING', 'FAILED', 'CANCELLED'],
  DONE: [],
  FAILED: [],
  CANCELLED: [],
};

/** The ledger operations, each with the states it may start from and the state it reaches. */
export const RUN_MOVES = {
  submit: { from: [], to: ['QUEUED'] },
  claim: { from: ['QUEUED', 'PUBLISH_PENDING', 'RUNNING'], to: ['RUNNING', 'FAILED'] },
  heartbeat: { from: ['RUNNING'], to: ['RUNNING'] },
  record: { from: ['RUNNING'], to: ['RUNNING'] },
  complete: { from: ['RUNNING'], to: ['DONE'] },
  fail: { from: ['RUNNING'], to: ['FAILED'] },
  requeue: { from: ['RUNNING'], to: ['QUEUED', 'FAILED'] },
  publishPending: { from: ['RUNNING'], to: ['PUBLISH_PENDING', 'FAILED'] },
  release: { from: ['RUNNING'], to: ['QUEUED', 'PUBLISH_PENDING'] },
  cancel: { from: ['QUEUED', 'RUNNING', 'PUBLISH_PENDING'], to: ['CANCELLED'] },
} as const satisfies Record<string, { from: readonly RunState[]; to: readonly RunState[] }>;

/** A ledger operation name. */
export type RunMove = keyof typeof RUN_MOVES;

/** `true` for `DONE`, `FAILED` and `CANCELLED`. */
export function isTerminal(state: RunState): boolean {
  return TERMINAL_STATES.includes(state);
}

/** `true` when `RUN_TRANSITIONS` allows `from → to`. */
export function canTransition(from: RunState, to: RunState): boolean {
  return RUN_TRANSITIONS[from].includes(to);
}

/** Throws `RUN_STATE_INVALID` naming `from`, `to` and the move when `from → to` is not allowed. */
export function assertTransition(runKey: string, move: RunMove, from: RunState, to: RunState): void {
  if (!canTransition(from, to)) throw invalidMove(runKey, move, from, to);
}

/** The `RUN_STATE_INVALID` error for a move the run's state does not allow. */
export function invalidMove(runKey: string, move: RunMove, from: RunState, to: RunState, extra: Record<string, unknown> = {}): OfsError {
  return new OfsError('RUN_STATE_INVALID', {
    message: `cannot ${move} run ${runKey}: ${from} → ${to} is not allowed`,
    details: { run_key: runKey, move, from, to, ...extra },
  });
}

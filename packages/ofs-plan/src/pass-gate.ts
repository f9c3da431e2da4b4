import { compareCodePoints, type InstanceReceipt, OfsError, type RunFactsLocator, type RunFactsView } from '@ofs/contracts';
import type { RefAuditSink } from './ref-audit.js';
import type { LoadedRunFacts } from './run-facts.js';

/** A world output the plan may read, and the evidence that allowed it. */
export interface AdmittedOutput {
  readonly output_id: string;
  readonly decided_by: 'INSTANCE_RECEIPT' | 'GATE_RECEIPT';
  /** JSON pointer into the run facts: `{run_facts_key}#/instance_receipts/3`. */
  readonly evidence_ref: string;
}

interface Refusal {
  readonly output_id: string;
  readonly reason: string;
}

/**
 * **No PASS → no read.** Decides, for every world output the plan uses, whether PASS evidence
 * admits reading it (reference ref-spec-2 §1.5, without its vacuous pass):
 *
 * 1. The outputs used are `requiredOutputIds` (sorted) when non-empty — each must have a
 *    locator — else every locator. Zero outputs is `NO_PASS_NO_READ`, never a vacuous pass.
 * 2. If any instance receipt names the output, instance receipts decide: one must have status
 *    exactly `PASS`, a `target_ref` whose `path` (when given) equals the locator's, a scope
 *    fingerprint (when given) equal to the locator's, and a `target_digest` (when both are
 *    given) equal to the locator's `content_digest`. Gate receipts are then not consulted.
 * 3. Otherwise a gate receipt with status `PASS` whose `scope.manifest_fingerprint` equals the
 *    locator's fingerprint (its own, else the pins') admits it.
 *
 * Every output is decided before failing, so the error lists them all. Throws `NO_PASS_NO_READ`
 * (details `refusals`) or `RUN_FACTS_INVALID` (two locators for one output).
 */
export function admitOutputs(facts: LoadedRunFacts, requiredOutputIds: readonly string[], onRef?: RefAuditSink): AdmittedOutput[] {
  const { view, key } = facts;
  const locators = new Map<string, RunFactsLocator>();
  for (const locator of view.locators) {
    if (locators.has(locator.output_id)) {
      throw new OfsError('RUN_FACTS_INVALID', {
        message: `run facts ${key} list output ${locator.output_id} twice; which locator to read is ambiguous`,
        details: { ref: key, output_id: locator.output_id },
      });
    }
    locators.set(locator.output_id, locator);
  }
  const used = requiredOutputIds.length > 0 ? [...requiredOutputIds] : [...locators.keys()].sort(compareCodePoints);
  if (used.length === 0) {
    throw new OfsError('NO_PASS_NO_READ', {
      message: `run facts ${key} name no world output, so nothing carries PASS evidence (no vacuous pass)`,
      details: { ref: key, refusals: [] },
    });
  }

  const admitted: AdmittedOutput[] = [];
  const refusals: Refusal[] = [];
  for (const outputId of used) {
    const locator = locators.get(outputId);
    const decision =
      locator === undefined
        ? { reason: 'required output has no locator in the run facts' }
        : decidePassEvidence(facts.view, facts.key, locator);
    if ('evidence_ref' in decision) {
      admitted.push(decision);
      onRef?.({ ref: decision.evidence_ref, purpose: 'pass_evidence', outcome: 'RESOLVED', output_id: outputId });
    } else {
      refusals.push({ output_id: outputId, reason: decision.reason });
      onRef?.({ ref: `${key}#/locators`, purpose: 'pass_evidence', outcome: 'NO_PASS_NO_READ', output_id: outputId });
    }
  }
  if (refusals.length > 0) {
    throw new OfsError('NO_PASS_NO_READ', {
      message: `no PASS evidence for ${refusals.map((r) => `${r.output_id} (${r.reason})`).join('; ')}`,
      details: { ref: key, refusals },
    });
  }
  return admitted;
}

/**
 * The no-PASS-no-read decision for one locator of a run-facts view (rules 2 and 3 of
 * `admitOutputs`): the admitted output with the receipt that admits it, or why none does. `key`
 * names the view in evidence refs. `admitOutputs` and `assembleRunFacts` both decide through it.
 */
export function decidePassEvidence(view: RunFactsView, key: string, locator: RunFactsLocator): AdmittedOutput | { reason: string } {
  const fingerprint = locator.manifest_fingerprint ?? view.pins.manifest_fingerprint;
  const instance = (view.instance_receipts ?? []).map((r, i) => ({ r, i })).filter(({ r }) => r.output_id === locator.output_id);
  if (instance.length > 0) {
    const pass = instance.find(({ r }) => admitsInstance(r, locator, fingerprint));
    if (pass === undefined) return { reason: 'its instance receipt is not a matching PASS (instance receipts decide)' };
    return { output_id: locator.output_id, decided_by: 'INSTANCE_RECEIPT', evidence_ref: `${key}#/instance_receipts/${pass.i}` };
  }
  if (fingerprint === undefined) return { reason: 'no instance receipt and no manifest fingerprint to match a gate' };
  const gate = (view.gate_receipts ?? []).findIndex((g) => g.status === 'PASS' && g.scope.manifest_fingerprint === fingerprint);
  if (gate < 0) return { reason: `no instance receipt and no PASS gate for manifest_fingerprint ${fingerprint}` };
  return { output_id: locator.output_id, decided_by: 'GATE_RECEIPT', evidence_ref: `${key}#/gate_receipts/${gate}` };
}

function admitsInstance(receipt: InstanceReceipt, locator: RunFactsLocator, fingerprint: string | undefined): boolean {
  if (receipt.status !== 'PASS') return false;
  const path = receipt.target_ref.path;
  if (path !== undefined && path !== '' && path !== locator.path) return false;
  const scoped = receipt.scope?.manifest_fingerprint;
  if (scoped !== undefined && scoped !== fingerprint) return false;
  const digest = receipt.target_digest;
  const content = locator.content_digest;
  if (digest !== undefined && content !== undefined && (digest.algo !== content.algo || digest.hex !== content.hex)) return false;
  return true;
}

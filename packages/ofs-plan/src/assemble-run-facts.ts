import { OfsError, type RunFactsLocator, type RunFactsView, RunFactsViewSchema, throwProblems } from '@ofs/contracts';
import { type AdmittedOutput, decidePassEvidence } from './pass-gate.js';
import { schemaProblems } from './schema-check.js';

/** Recipe name recorded in an assembled view's `assembly` section. */
export const RUN_FACTS_ASSEMBLY_RECIPE = 'ofs.run_facts_assembly.v1';

/**
 * What the platform recorded for one scenario run of a platform run, as its scenario runner
 * records it (the field names of the reference's `run_facts_view`, so the scenario runner's own
 * view can be passed as it is): the world pins, where each world output lives, and the gate and
 * instance receipts its validation produced.
 */
export interface PlatformRunEvidence {
  readonly platform_run_id: string;
  readonly scenario_run_id: string;
  /** The world pins (`manifest_fingerprint`, `parameter_hash`, `seed`, `scenario_id`, `run_id`, …). */
  readonly pins: Readonly<Record<string, unknown>>;
  /** Engine output locators (`output_id`, `path`, fingerprint, `content_digest`, …). */
  readonly locators: readonly unknown[];
  /** Gate receipts (`gate_id`, `status` PASS|FAIL, `scope.manifest_fingerprint`, …), verbatim. */
  readonly gate_receipts?: readonly unknown[];
  /** Instance receipts (`output_id`, `status`, `scope`, `target_ref`, `target_digest`, …), verbatim. */
  readonly instance_receipts?: readonly unknown[];
}

/** Options of `assembleRunFacts`. */
export interface AssembleRunFactsOptions {
  /** The store key the view will be written at; names the view in evidence refs (default `run_facts`). */
  readonly key?: string;
}

/** A world output left out of the view, and why. */
export interface WithheldOutput {
  readonly output_id: string;
  readonly reason: string;
}

/** The assembled view, the outputs it admits and those it leaves out. */
export interface AssembledRunFacts {
  /** The run-facts view to write write-once and name as the intent's `run_facts_ref`. */
  readonly view: RunFactsView;
  /** Outputs kept, each with the platform receipt that admits it. */
  readonly admitted: readonly AdmittedOutput[];
  /** Outputs left out: no PASS, or a FAIL receipt beside the PASS. */
  readonly withheld: readonly WithheldOutput[];
}

/**
 * Assembles a run-facts view from the platform's own evidence for a platform run, so the
 * no-PASS-no-read law is satisfied by the platform's receipts instead of hand-written JSON.
 *
 * It only reads: receipts are copied verbatim (never created, edited or re-statused), and a
 * locator is kept only when the plan's own rule (`decidePassEvidence`, the rule of
 * `admitOutputs`) finds a PASS receipt for it **and** no FAIL receipt contradicts that PASS (a
 * FAIL instance receipt for the same output, or a FAIL gate receipt for the same manifest
 * fingerprint — the scenario runner itself fails a run on any FAIL gate). Every other locator is
 * withheld, so a plan that requires that output — or a view left with no output at all — is
 * refused by `resolvePlan` with `NO_PASS_NO_READ`. The withheld outputs and reasons are recorded
 * in the view's `assembly` section.
 *
 * Throws `RUN_FACTS_INVALID` when the evidence is malformed (schema of `RunFactsViewSchema`, two
 * locators for one output, or ids contradicting the pins). Pure: write the view yourself, e.g.
 * `writeOnceJson(store, key, view)`.
 */
export function assembleRunFacts(evidence: PlatformRunEvidence, options: AssembleRunFactsOptions = {}): AssembledRunFacts {
  const key = options.key ?? 'run_facts';
  const candidate: Record<string, unknown> = {
    platform_run_id: evidence.platform_run_id,
    scenario_run_id: evidence.scenario_run_id,
    pins: evidence.pins,
    locators: evidence.locators,
    ...(evidence.instance_receipts !== undefined ? { instance_receipts: evidence.instance_receipts } : {}),
    gate_receipts: evidence.gate_receipts ?? [],
  };
  throwProblems(
    schemaProblems(RunFactsViewSchema, candidate, 'RUN_FACTS_INVALID'),
    `platform evidence for ${String(evidence.platform_run_id)}`,
  );
  const full = candidate as RunFactsView;
  for (const field of ['platform_run_id', 'scenario_run_id'] as const) {
    const pinned = full.pins[field];
    if (pinned !== undefined && pinned !== full[field]) {
      throw new OfsError('RUN_FACTS_INVALID', {
        message: `${field} ${String(full[field])} contradicts pins.${field} ${pinned}`,
        details: { field, given: String(full[field]), pinned },
      });
    }
  }

  const seen = new Set<string>();
  const admitted: AdmittedOutput[] = [];
  const withheld: WithheldOutput[] = [];
  const kept: RunFactsLocator[] = [];
  for (const locator of full.locators) {
    if (seen.has(locator.output_id)) {
      throw new OfsError('RUN_FACTS_INVALID', {
        message: `the platform evidence lists output ${locator.output_id} twice; which locator to read is ambiguous`,
        details: { output_id: locator.output_id },
      });
    }
    seen.add(locator.output_id);
    const decision = decidePassEvidence(full, key, locator);
    const reason = 'reason' in decision ? decision.reason : contradiction(full, locator, decision);
    if (reason === undefined) {
      admitted.push(decision as AdmittedOutput);
      kept.push(locator);
    } else {
      withheld.push({ output_id: locator.output_id, reason });
    }
  }

  const view: RunFactsView = {
    ...full,
    locators: kept,
    assembly: { recipe: RUN_FACTS_ASSEMBLY_RECIPE, withheld: withheld.map((w) => ({ ...w })) },
  } as RunFactsView;
  // Evidence refs point into the view as written; the receipts keep their positions.
  return { view, admitted, withheld };
}

/** A FAIL receipt beside the PASS that admitted `locator`, or `undefined` when none. */
function contradiction(view: RunFactsView, locator: RunFactsLocator, decision: AdmittedOutput): string | undefined {
  if (decision.decided_by === 'INSTANCE_RECEIPT') {
    const failed = (view.instance_receipts ?? []).some((r) => r.output_id === locator.output_id && r.status !== 'PASS');
    return failed ? 'an instance receipt for it is not PASS, beside the PASS one (conflicting evidence)' : undefined;
  }
  const fingerprint = locator.manifest_fingerprint ?? view.pins.manifest_fingerprint;
  const failed = (view.gate_receipts ?? []).find((g) => g.status !== 'PASS' && g.scope.manifest_fingerprint === fingerprint);
  return failed ? `gate ${failed.gate_id} is ${failed.status} for manifest_fingerprint ${fingerprint} (conflicting evidence)` : undefined;
}

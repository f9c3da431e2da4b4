import type { GovernanceFact } from '../records/governance-fact.js';
import type { AbortOptions } from './common.js';

/**
 * The control bus: where governance facts are announced to other services (a queue, a topic, a
 * webhook). Facts are always written to the object store first; the bus is a notification.
 *
 * Delivery is at-least-once: after a crash between `publish` and the exporter's delivery marker a
 * fact is published again, so the bus or its consumers deduplicate by `fact_id`. Failures surface
 * as a retryable `OfsError` (e.g. `STORE_UNAVAILABLE`); the exporter then tries again next time.
 */
export interface ControlBus {
  /** A stable name, one object-key segment (`[A-Za-z0-9._=-]+`): delivery markers are kept per bus. */
  readonly name: string;
  /** Publishes one fact. Publishing a `fact_id` again must be harmless. */
  publish(fact: GovernanceFact, options?: AbortOptions): Promise<void>;
}

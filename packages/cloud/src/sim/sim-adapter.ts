import { CloudError, type CloudAccountRef, type CloudAdapter } from '../adapter.ts';
import { fleetCosts } from './costs.ts';
import { SimFleet } from './fleet.ts';
import { discoverFleet } from './inventory.ts';
import { syncOverlay } from './journal.ts';
import { executeOperation } from './operations.ts';
import { parseSimSettings } from './settings.ts';
import { utilizationHistory, type SimUtilizationDay } from './utilization.ts';

export interface SimOptions {
  /**
   * The sim's clock: it ends the utilisation window (the 30 days before today, UTC) and stamps
   * operations. Fix it in tests for inventories that do not move at midnight.
   */
  now?: () => Date;
}

const systemClock = () => new Date();

/** The stream, once the overlay has caught up with the store's journal. */
async function* afterSync<T>(fleet: SimFleet, stream: () => AsyncIterable<T>): AsyncIterable<T> {
  await syncOverlay(fleet);
  yield* stream();
}

/**
 * A deterministic simulated cloud for one account, in the vocabulary of account.provider,
 * configured by account.settings.sim (see simSettingsSchema). It needs no credentials.
 * Operations persist for every adapter of the account: in this process, or in the SimStore in use (see state.ts).
 * Throws SimSettingsError when the settings are invalid.
 */
export function createSimAdapter(account: CloudAccountRef, options: SimOptions = {}): CloudAdapter {
  const fleet = new SimFleet(account, parseSimSettings(account));
  const clock = options.now ?? systemClock;
  return {
    kind: 'sim',
    provider: account.provider,
    discover: (discovery) => afterSync(fleet, () => discoverFleet(fleet, clock().getTime(), discovery?.signal)),
    fetchCosts: (period, discovery) => afterSync(fleet, () => fleetCosts(fleet, period, discovery?.signal)),
    execute: (request, execution) => executeOperation(fleet, clock, request, execution?.signal),
    verify: async (verification) => {
      verification?.signal?.throwIfAborted();
      return { account_id: account.account_id };
    },
  };
}

/**
 * The daily utilisation of one simulated resource over the `days` UTC days before today. Over 30
 * days it is the series the resource's discovered utilization summarises. Days before the resource
 * existed are left out.
 */
export function simUtilizationHistory(
  account: CloudAccountRef,
  provider_resource_id: string,
  days: number,
  options: SimOptions = {},
): SimUtilizationDay[] {
  if (!Number.isInteger(days) || days < 1 || days > 3_650) throw new RangeError(`days must be an integer from 1 to 3650, got ${days}`);
  const fleet = new SimFleet(account, parseSimSettings(account));
  const now = (options.now ?? systemClock)().getTime();
  const spec = fleet.find(provider_resource_id);
  const changes = fleet.changesOf(provider_resource_id);
  if (!spec || !fleet.current(spec, changes, now)) {
    throw new CloudError(`simulated resource ${provider_resource_id} not found in cloud account ${account.id}`, { retryable: false });
  }
  return utilizationHistory(spec, changes, now, days);
}

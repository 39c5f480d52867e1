import { CloudCredentialsError, CloudError, CloudIncompleteDiscoveryError, CloudOperationError } from '../adapter.ts';
import { errorMessage } from './call.ts';

export interface DiscoveryStep<T> {
  /** Names the step in messages: "ec2:DescribeVolumes (eu-west-1)". */
  what: string;
  run: () => AsyncIterable<T>;
}

/** Failures named in the final message; the error's `failures` holds them all. */
const FAILURES_NAMED = 5;

/**
 * Runs discovery's steps in turn (a listing per region and kind), going on past a step that fails:
 * one page the SDK cannot read must not cost the other regions their sync. What the failed steps
 * delivered before failing stays delivered. The stream then ends with a CloudIncompleteDiscoveryError
 * naming the failures, so the sync records them and removes nothing. Refused credentials and a
 * cancellation stop everything at once: no other step could do better.
 */
export async function* everyStep<T>(label: string, steps: Iterable<DiscoveryStep<T>>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  const failures: CloudError[] = [];
  for (const step of steps) {
    try {
      yield* step.run();
    } catch (error) {
      if (signal?.aborted || error instanceof CloudCredentialsError) throw error;
      failures.push(error instanceof CloudError ? error : new CloudOperationError(`${label}: ${step.what} failed (${errorMessage(error)})`, error));
    }
  }
  if (failures.length === 0) return;
  const named = failures.slice(0, FAILURES_NAMED).map((failure) => failure.message);
  const more = failures.length > FAILURES_NAMED ? `; and ${failures.length - FAILURES_NAMED} more` : '';
  throw new CloudIncompleteDiscoveryError(
    `${label}: discovery is incomplete, ${failures.length} of its listings failed and the others were discovered: ${named.join('; ')}${more}`,
    failures,
  );
}

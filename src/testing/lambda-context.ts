import { randomUUID } from 'crypto';
import type { LambdaContext } from '../runtime/types';

/** A Lambda context whose remaining time counts down from `timeoutMillis`, as Lambda's does. */
export function lambdaContext(timeoutMillis: number, awsRequestId: string = randomUUID()): LambdaContext {
  const deadline = Date.now() + timeoutMillis;
  return { awsRequestId, getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0) };
}

/** What an invocation reported besides its end: uses of what the runtime does not have (even late). */
export interface InvocationNotes {
  readonly unsupportedUses: string[];
  returnedWithoutPromise: boolean;
}

/** An error as Lambda records it for a failed invocation (the `responsePayload` of its invocation record). */
export interface FunctionError {
  readonly errorType: string;
  readonly errorMessage: string;
}

export interface InvocationEnd {
  readonly timedOut: boolean;
  readonly error?: FunctionError;
  /** What the harness saw besides the error, for its own messages (an early exit's last stderr lines). */
  readonly detail?: string;
  /** The most memory the function's processes used, in MB, as Lambda's REPORT line gives it; unknown in-process. */
  readonly peakMb?: number;
}

export interface InvocationSettings {
  readonly timeoutMillis: number;
  /** The function's environment: Lambda's variables, the template's, every SDK endpoint on loopback. */
  readonly environment: Record<string, string>;
  /** The function's Lambda runtime (what a Node.js runner behaves as). */
  readonly runtime: string;
}

/** Lambda's default memory size, which a function without MemorySize gets. */
export const LAMBDA_DEFAULT_MEMORY_MB = 128;

/** Runs one invocation of a step's function, as one Lambda runtime would, and tells how it ended. */
export type Invoker = (event: unknown, settings: InvocationSettings, logs: string[], notes: InvocationNotes) => Promise<InvocationEnd>;

/** How long to keep listening after an invocation for requests it left running. */
export const LATE_CALL_GRACE_MILLIS = 100;

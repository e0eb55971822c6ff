/**
 * What Lambda sends an asynchronous invocation's on-failure destination, as the Lambda developer
 * guide documents it ("Capturing records of Lambda asynchronous invocations"). Every field is
 * optional here: the reporter reads whatever arrives and never trusts its shape.
 */
export interface InvocationRecord {
  readonly version?: string;
  readonly timestamp?: string;
  readonly requestContext?: {
    readonly requestId?: string;
    /** The function, with the version or alias that ran: `arn:aws:lambda:<region>:<account>:function:<name>:<qualifier>`. */
    readonly functionArn?: string;
    /** `RetriesExhausted` or `EventAgeExceeded` for a failure. */
    readonly condition?: string;
    readonly approximateInvokeCount?: number;
  };
  /** The event the function was invoked with: for a step, the CodePipeline job event, credentials included. */
  readonly requestPayload?: unknown;
  readonly responseContext?: {
    readonly statusCode?: number;
    readonly executedVersion?: string;
    /** `Unhandled` for an error Lambda's runtime caught, `Handled` for one the function returned. */
    readonly functionError?: string;
  };
  /** The error the last attempt ended with, as the runtime reported it (`errorType`, `errorMessage`, a stack). */
  readonly responsePayload?: unknown;
}

/** The record's conditions for an event that failed for good. */
export const FAILURE_CONDITIONS = ['RetriesExhausted', 'EventAgeExceeded'] as const;

/**
 * The harness could not get a result out of the step: it never reported, leaked a secret, or was misused.
 * `logs` holds the function's log lines (secrets redacted) when it ran; undefined when it was refused before it started.
 */
export class StepRunError extends Error {
  constructor(message: string, public readonly logs?: string[]) {
    super(message);
    this.name = 'StepRunError';
  }
}

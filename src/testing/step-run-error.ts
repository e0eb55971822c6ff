/** The harness could not get a result out of the step: it never reported, leaked a secret, or was misused. */
export class StepRunError extends Error {
  constructor(message: string, public readonly logs: string[] = []) {
    super(message);
    this.name = 'StepRunError';
  }
}

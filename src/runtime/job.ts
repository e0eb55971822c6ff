import { ArtifactContext, InputArtifact, OutputArtifact } from './artifacts';
import { JobFailure } from './errors';
import { checkContinuationToken } from './results';
import type { ExecutionDetails, JobContinuation, JobEvent } from './types';
import { parseUserParameters } from './user-parameters';

/** The CodePipeline job one invocation works on. */
export class PipelineJob {
  /** The job's id. */
  public readonly id: string;
  /** The AWS account the pipeline runs in. */
  public readonly accountId: string;
  /** The action's UserParameters as configured, or undefined when it has none. */
  public readonly userParameters?: string;
  /**
   * The state given to `continueLater()` by the previous invocation of this job,
   * or undefined on the job's first invocation.
   */
  public readonly continuationState?: string;
  /** The Lambda request id of this invocation. */
  public readonly requestId: string;
  /**
   * Aborted when the runtime stops waiting for the step: when it fails the job for running out
   * of time, and when the invocation ends. The runtime passes it to every S3 request it makes;
   * pass it on to your own long work (fetch, SDK calls, child processes) so that it stops too.
   */
  public readonly signal: AbortSignal;

  private readonly inputs: Map<string, InputArtifact>;
  private readonly outputs: Map<string, OutputArtifact>;

  constructor(event: JobEvent, artifacts: ArtifactContext, requestId: string, private readonly remainingTime: () => number) {
    this.id = event.id;
    this.accountId = event.accountId;
    this.userParameters = event.userParameters;
    this.continuationState = event.continuationToken;
    this.requestId = requestId;
    this.signal = artifacts.signal;
    this.inputs = new Map(event.inputArtifacts.map(location => [location.name, new InputArtifact(location, artifacts)]));
    this.outputs = new Map(event.outputArtifacts.map(location => [location.name, new OutputArtifact(location, artifacts)]));
  }

  /** Whether this invocation continues a job an earlier invocation left with `continueLater()`. */
  public get isContinuation(): boolean {
    return this.continuationState !== undefined;
  }

  /** Milliseconds left before Lambda stops this invocation. */
  public remainingTimeInMillis(): number {
    return this.remainingTime();
  }

  /**
   * The UserParameters parsed as JSON. A missing or unparsable value fails the job with a
   * `ConfigurationError` that does not repeat the parameters.
   */
  public userParametersJson<T = unknown>(): T {
    if (this.userParameters === undefined) {
      throw new JobFailure('The action has no UserParameters, and the step expects JSON ones', 'ConfigurationError');
    }
    return parseUserParameters(this.userParameters) as T;
  }

  /** The input artifact called `name`. */
  public inputArtifact(name: string): InputArtifact {
    return pick('input', this.inputs, name);
  }

  /** The output artifact called `name`. */
  public outputArtifact(name: string): OutputArtifact {
    return pick('output', this.outputs, name);
  }

  /** Closes what the input artifacts opened. The runtime calls it when the invocation ends. */
  public async close(): Promise<void> {
    await Promise.all([...this.inputs.values()].map(input => input.close()));
  }

  /** Names of the job's input artifacts. */
  public get inputArtifactNames(): string[] {
    return [...this.inputs.keys()];
  }

  /** Names of the job's output artifacts. */
  public get outputArtifactNames(): string[] {
    return [...this.outputs.keys()];
  }

  /** Output artifacts the step has not written yet. */
  public get unwrittenOutputArtifacts(): string[] {
    return [...this.outputs.values()].filter(artifact => !artifact.written).map(artifact => artifact.name);
  }

  /**
   * Ends this invocation without finishing the job: CodePipeline invokes the function again
   * with `continuationState` set to `state`. Return it from your function of the job.
   *
   * @param state 1 to 2048 characters, handed to the next invocation
   */
  public continueLater(state: string, details: ExecutionDetails = {}): JobContinuation {
    checkContinuationToken(state);
    return { ...details, continuationToken: state };
  }
}

function pick<T>(kind: string, artifacts: Map<string, T>, name: string): T {
  const artifact = artifacts.get(name);
  if (!artifact) {
    const names = [...artifacts.keys()].map(known => `'${known}'`).join(', ');
    throw new Error(`The job has no ${kind} artifact '${name}'; its ${kind} artifacts are: ${names || 'none'}`);
  }
  return artifact;
}

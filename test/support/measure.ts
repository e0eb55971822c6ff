import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';
import { buildSync } from 'esbuild';
import { LoopbackS3 } from './s3';
import { temporaryDirectory } from './zip';
import { LoopbackCodePipeline } from '../../src/testing/endpoints/codepipeline';
import { loopbackFunctionEnvironment } from '../../src/testing/endpoints/function-environment';
import { lambdaNodeFlags } from '../../src/testing/runners/node-process';

const REPOSITORY = path.resolve(__dirname, '..', '..');

export interface Measurement {
  /** Loading the bundle and the invocation, as at a cold start. */
  readonly seconds: number;
  readonly rssBefore: number;
  readonly peakRss: number;
  /** Peak RSS during the invocation minus RSS before it, in bytes. */
  readonly growth: number;
}

/** Bundles `entry` the way NodejsFunction does (esbuild, @aws-sdk external) into `outdir`. */
export function bundleHandler(entry: string, outdir: string, name = 'index.js'): string {
  const outfile = path.join(outdir, name);
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', external: ['@aws-sdk/*'], outfile, logLevel: 'error' });
  return outfile;
}

export interface MeasureOptions {
  /** Whether the job has an output artifact for the handler to write (default true). */
  readonly withOutput?: boolean;
  readonly userParameters?: string;
  /**
   * Runs the handler as Lambda runs a function of this memory size: with its Node.js flags and
   * AWS_LAMBDA_FUNCTION_MEMORY_SIZE (default: neither).
   */
  readonly memoryMb?: number;
  /** Wraps the handler's command, as the benchmark does to start it in a memory cgroup. */
  readonly launch?: (command: string[]) => string[];
  /** The handler's TMPDIR, where it extracts and zips (default: the system's, /tmp). */
  readonly temporaryDirectory?: string;
}

/**
 * Copies the zip at `zipPath` from an input artifact to an output artifact with a bundled copy
 * handler (the runtime's copy-artifact fixture unless given another), in a process of its own,
 * and returns what that process measured. The handler must have reported success.
 */
export async function measureArtifactCopy(
  zipPath: string, s3: LoopbackS3, codePipeline: LoopbackCodePipeline, handlerEntry = path.join(REPOSITORY, 'test', 'fixtures', 'copy-artifact-handler.ts'),
  options: MeasureOptions = {},
): Promise<Measurement> {
  const work = temporaryDirectory('measure-');
  try {
    const bundle = bundleHandler(handlerEntry, work);
    const credentials = { accessKeyId: 'MEASURE', secretAccessKey: 'measure-secret', sessionToken: 'measure-session' };
    s3.client(credentials).destroy();
    await s3.put('artifacts', 'in.zip', fs.createReadStream(zipPath), fs.statSync(zipPath).size);
    const event = {
      'CodePipeline.job': {
        id: '00000000-0000-4000-8000-000000000001',
        accountId: '123456789012',
        data: {
          actionConfiguration: { configuration: { FunctionName: 'measure', ...(options.userParameters !== undefined && { UserParameters: options.userParameters }) } },
          inputArtifacts: [{ name: 'In', revision: null, location: { type: 'S3', s3Location: { bucketName: 'artifacts', objectKey: 'in.zip' } } }],
          outputArtifacts: options.withOutput === false ? []
            : [{ name: 'Out', revision: null, location: { type: 'S3', s3Location: { bucketName: 'artifacts', objectKey: 'out.zip' } } }],
          artifactCredentials: credentials,
        },
      },
    };
    fs.writeFileSync(path.join(work, 'event.json'), JSON.stringify(event));
    codePipeline.startJob(event['CodePipeline.job'].id);
    // Bundled, as the handler is, so that a memory limit holds the handler and not ts-node.
    const measureHandler = bundleHandler(path.join(__dirname, 'measure-handler.ts'), work, 'measure-handler.js');
    const memoryFlags = options.memoryMb === undefined ? [] : lambdaNodeFlags(options.memoryMb);
    const [command, ...args] = (options.launch ?? (line => line))([process.execPath, ...memoryFlags, measureHandler, bundle, path.join(work, 'event.json')]);
    // Asynchronously: the S3 server and CodePipeline endpoint run on this process's event loop.
    const { stdout } = await promisify(execFile)(command, args, {
      env: {
        PATH: process.env.PATH,
        ...(options.temporaryDirectory !== undefined && { TMPDIR: options.temporaryDirectory }),
        NODE_PATH: path.join(REPOSITORY, 'node_modules'),
        ...(options.memoryMb !== undefined && { AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(options.memoryMb) }),
        ...loopbackFunctionEnvironment({
          codePipeline: codePipeline.endpoint, s3: s3.endpoint, credentials: codePipeline.functionCredentials, emptyDirectory: work,
        }),
      },
      encoding: 'utf8',
      maxBuffer: 1024 * 1024,
    });
    const result = codePipeline.calls.filter(call => call.input?.jobId === event['CodePipeline.job'].id).pop();
    if (result?.operation !== 'PutJobSuccessResult' || result.error) {
      throw new Error(`${path.basename(handlerEntry)} did not copy the artifact: ${result ? result.body.slice(0, 500) : 'no result reported'}`);
    }
    return JSON.parse(stdout.trim().split('\n').pop()!);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

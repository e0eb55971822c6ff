import * as path from 'path';
import { IConstruct } from 'constructs';

/**
 * This package's own code: frames in it say nothing of where the user went wrong. Both folders:
 * the compiled lib/ runs, and a runner with source maps on (tsx, `--enable-source-maps`) names the
 * shipped src/ files in its frames instead.
 */
const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const OWN_CODE = ['lib', 'src'].map(folder => path.join(PACKAGE_ROOT, folder) + path.sep);

/**
 * A construct refused its configuration: the user's mistake, not a crash of the library. Read as
 * aws-cdk-lib's own validation errors read: named `ValidationError`, the construct's path first,
 * the stack starting at the user's code. It carries the markers aws-cdk-lib's `Errors.isValidationError`
 * reads (global symbols of aws-cdk-lib's `core/lib/errors.ts`, whose class is internal), so tools
 * that tell construct errors from crashes tell ours too.
 */
class StepValidationError extends Error {
  public readonly constructPath: string;

  constructor(message: string, scope: IConstruct) {
    super(`[${scope.node.path}] ${message}`);
    this.name = 'ValidationError';
    this.constructPath = scope.node.path;
    for (const marker of ['@aws-cdk/core.SynthesisError', '@aws-cdk/core.ValidationError']) {
      Object.defineProperty(this, Symbol.for(marker), { value: true });
    }
    const lines = (this.stack ?? '').split('\n');
    const firstFrame = lines.findIndex(line => /^\s+at /.test(line));
    const header = firstFrame < 0 ? lines : lines.slice(0, firstFrame);
    const userFrames = firstFrame < 0 ? [] : lines.slice(firstFrame).filter(frame => !OWN_CODE.some(folder => frame.includes(folder)));
    this.stack = [...header, `    at path [${scope.node.path}]`, ...userFrames].join('\n');
  }
}

/** An error about one construct, named by its path first, as aws-cdk-lib's validation messages name theirs. */
export function errorAt(scope: IConstruct, message: string): Error {
  return new StepValidationError(message, scope);
}

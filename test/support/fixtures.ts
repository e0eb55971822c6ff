import * as fs from 'fs';
import * as path from 'path';

/**
 * The shared CodePipeline job events live outside the repository (they are not ours to copy in):
 * `$CDK_LAMBDA_INVOKE_STEP_FIXTURES`, else `shared/fixtures` beside the repository or above it.
 */
export function fixturesDirectory(): string {
  const candidates = [
    process.env.CDK_LAMBDA_INVOKE_STEP_FIXTURES,
    ...ancestors(path.resolve(__dirname, '..', '..')).map(directory => path.join(directory, 'shared', 'fixtures')),
    '/work/shared/fixtures',
  ].filter((candidate): candidate is string => !!candidate);
  const found = candidates.find(candidate => fs.existsSync(path.join(candidate, 'events')));
  if (!found) {
    throw new Error(`The shared job event fixtures were not found; set CDK_LAMBDA_INVOKE_STEP_FIXTURES. Looked in: ${candidates.join(', ')}`);
  }
  return found;
}

function ancestors(directory: string): string[] {
  const parent = path.dirname(directory);
  return parent === directory ? [directory] : [directory, ...ancestors(parent)];
}

export type FixtureName = 'lambda-guide-event' | 'action-reference-event';

/** A fresh copy of a fixture event, to change freely. */
export function fixtureEvent(name: FixtureName): any {
  return JSON.parse(fs.readFileSync(path.join(fixturesDirectory(), 'events', `${name}.json`), 'utf8'));
}

/** Every secret the fixtures carry: no captured output may contain one. */
export function fixtureSecrets(): string[] {
  return (['lambda-guide-event', 'action-reference-event'] as const).flatMap(name => {
    const credentials = fixtureEvent(name)['CodePipeline.job'].data.artifactCredentials;
    return [credentials.secretAccessKey, credentials.sessionToken];
  });
}

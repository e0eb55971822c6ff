import * as fs from 'fs';
import * as path from 'path';

const EVENTS = path.join(__dirname, '..', 'fixtures', 'events');

export type FixtureName = 'job-with-artifacts' | 'continued-job';

/** A fresh copy of a fixture event (test/fixtures/events), to change freely. */
export function fixtureEvent(name: FixtureName): any {
  return JSON.parse(fs.readFileSync(path.join(EVENTS, `${name}.json`), 'utf8'));
}

/** Every secret the fixtures carry: no captured output may contain one. */
export function fixtureSecrets(): string[] {
  return (['job-with-artifacts', 'continued-job'] as const).flatMap(name => {
    const credentials = fixtureEvent(name)['CodePipeline.job'].data.artifactCredentials;
    return [credentials.secretAccessKey, credentials.sessionToken];
  });
}

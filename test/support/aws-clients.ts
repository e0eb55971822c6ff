import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { promisify } from 'util';

// What scripts/install-aws-clients.sh installs (the build runs it before the tests), and the Go and
// Java steps built from test/fixtures/ once per change of their sources, offline.
const ROOT = path.join(__dirname, '..', '..');
const SCRATCH = process.env.CDK_STEP_SCRATCH ?? path.join(ROOT, '.scratch');
const CLIENTS = path.join(SCRATCH, 'clients');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');
const run = promisify(execFile);

/** The project's own Maven repository, which holds the Java runtime interface client. */
export const MAVEN_REPOSITORY = path.join(SCRATCH, 'm2');

function installed(file: string): string {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run bash scripts/install-aws-clients.sh (the build runs it before the tests)`);
  }
  return file;
}

/** A Python with awslambdaric 4.2.2, Powertools 3.37.0 and boto3 1.44.5, which reads AWS_ENDPOINT_URL_*. */
export function clientsPython(): string {
  return installed(path.join(CLIENTS, 'python', 'bin', 'python'));
}

/** aws-sam-cli's `sam` command. */
export function samCommand(): string {
  return installed(path.join(CLIENTS, 'sam', 'bin', 'sam'));
}

/** Powertools as its layer holds it (python/), for an interpreter without it. */
export function powertoolsLayer(): string {
  installed(path.join(CLIENTS, 'powertools-layer', 'python', 'aws_lambda_powertools'));
  return path.join(CLIENTS, 'powertools-layer');
}

/**
 * A build of `sources` in a directory named by their content, made once: `build` fills a fresh
 * directory, which then takes the final name in one rename, so that test files running at once
 * in other workers never see half a build.
 */
async function builtOnce(kind: string, sources: string[], build: (directory: string) => Promise<void>): Promise<string> {
  const hash = createHash('sha256');
  for (const file of sources.sort()) {
    hash.update(path.relative(ROOT, file)).update(fs.readFileSync(file));
  }
  const directory = path.join(CLIENTS, 'builds', `${kind}-${hash.digest('hex').slice(0, 16)}`);
  if (!fs.existsSync(directory)) {
    fs.mkdirSync(path.dirname(directory), { recursive: true });
    const fresh = fs.mkdtempSync(`${directory}.building-`);
    try {
      await build(fresh);
      fs.renameSync(fresh, directory);
    } catch (error) {
      fs.rmSync(fresh, { recursive: true, force: true });
      // Another worker finished the same build first.
      if (!fs.existsSync(directory)) {
        throw error;
      }
    }
  }
  return directory;
}

function filesUnder(directory: string): string[] {
  return fs.readdirSync(directory, { recursive: true, encoding: 'utf8' })
    .map(file => path.join(directory, file))
    .filter(file => fs.statSync(file).isFile() && !file.includes(`${path.sep}target${path.sep}`));
}

/** The Go step (aws-lambda-go, aws-sdk-go-v2) built as `bootstrap` for provided.al2023: a directory holding it. */
export async function goStep(): Promise<string> {
  const source = path.join(FIXTURES, 'go-step');
  return builtOnce('go-step', filesUnder(source), async directory => {
    await run('go', ['build', '-tags', 'lambda.norpc', '-o', path.join(directory, 'bootstrap'), '.'], {
      cwd: source,
      env: {
        ...process.env,
        CGO_ENABLED: '0',
        GOOS: 'linux',
        GOARCH: 'amd64',
        GOMODCACHE: path.join(SCRATCH, 'go', 'mod'),
        GOCACHE: path.join(SCRATCH, 'go', 'cache'),
        GOFLAGS: '-modcacherw',
        // The modules come from the cache the install script filled: a test never reaches the network.
        GOPROXY: 'off',
      },
      timeout: 600_000,
    });
  });
}

/** The Java step (aws-lambda-java-core, the AWS SDK for Java v2) as Lambda reads it: its classes and lib/*.jar in a directory. */
export async function javaStep(): Promise<string> {
  const source = path.join(FIXTURES, 'java-step');
  const built = await builtOnce('java-step', filesUnder(source), async directory => {
    fs.cpSync(path.join(source, 'pom.xml'), path.join(directory, 'pom.xml'));
    fs.cpSync(path.join(source, 'src'), path.join(directory, 'src'), { recursive: true });
    await run('mvn', ['-B', '-q', '-o', `-Dmaven.repo.local=${MAVEN_REPOSITORY}`, 'package'], { cwd: directory, timeout: 600_000 });
  });
  return path.join(built, 'target', 'function');
}

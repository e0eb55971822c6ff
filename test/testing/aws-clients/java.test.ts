import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeZip } from '../../../src/runtime/zip-writer';
import { runJavaStep } from '../../../src/testing';
import { javaStep, MAVEN_REPOSITORY } from '../../support/aws-clients';

// A Java function as Java users write one (aws-lambda-java-core, the AWS SDK for Java v2), run by AWS's
// Java runtime interface client against the harness's Runtime API.
let code: string;
let scratch: string;

beforeAll(async () => {
  code = await javaStep();
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'java-step-'));
}, 600_000);

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const options = (userParameters: string) => ({ runtime: 'java17', userParameters, memoryMb: 512, functionName: 'java-step', mavenRepository: MAVEN_REPOSITORY });

test.each([
  ['a directory', async () => code],
  ['a .jar', async () => zipped('function.jar')],
  ['a .zip', async () => zipped('function.zip')],
])('code as %s: reads its input with the job\'s credentials, writes its output and reports success', async (_, codeOf) => {
  const run = await runJavaStep(await codeOf(), 'example.Step::handleRequest', {
    ...options('copy'),
    inputArtifacts: { Source: { 'message.txt': 'hello from the pipeline', 'docs/readme.md': 'read me' } },
    outputArtifacts: ['Upper'],
  });
  expect(run.outcome).toBe('succeeded');
  expect(run.runtimeClient).toMatch(/^aws-lambda-java-runtime-interface-client 2\.10\.1 on Java \d+$/);
  expect(run.outputVariables).toEqual({ RUNTIME: 'java', FILES: '2', MEMORY: '512', FUNCTION: 'java-step' });
  expect(Object.fromEntries(Object.entries(run.outputArtifacts.Upper).map(([name, content]) => [name, content.toString()])))
    .toEqual({ 'message.txt': 'HELLO FROM THE PIPELINE', 'docs/readme.md': 'READ ME', 'runtime.txt': expect.stringMatching(/^java \d+$/) });
  expect(run.outputArtifactEncryption.Upper).toMatchObject({ serverSideEncryption: 'aws:kms' });
  expect(run.logs).toContain('copied 2 files');
});

async function zipped(name: string): Promise<string> {
  const file = path.join(scratch, name);
  if (!fs.existsSync(file)) {
    await writeZip(code, file);
  }
  return file;
}

test('reports failure with PutJobFailureResult', async () => {
  const run = await runJavaStep(code, 'example.Step::handleRequest', options('fail'));
  expect(run.outcome).toBe('failed');
  expect(run.failureDetails).toEqual({ type: 'JobFailed', message: 'the Java step found a problem' });
});

test('an exception is recorded as the Java runtime reports it, and the failure reporter fails the job', async () => {
  const run = await runJavaStep(code, 'example.Step::handleRequest', options('error'));
  expect(run.outcome).toBe('failed');
  expect(run.failureReport).toMatchObject({ attempts: 1, error: { errorType: 'java.lang.IllegalStateException', errorMessage: 'the Java step gave up' } });
  expect(run.logs.join('\n')).toContain('java.lang.IllegalStateException: the Java step gave up');
});

test('a handler class that is not there is an init error, reported as Lambda records it', async () => {
  const run = await runJavaStep(code, 'example.Missing::handleRequest', options('copy'));
  expect(run.failureReport?.error).toEqual({ errorType: 'java.lang.ClassNotFoundException', errorMessage: 'Class not found: example.Missing' });
});

test('logging the artifact credentials fails the run', async () => {
  await expect(runJavaStep(code, 'example.Step::handleRequest', options('leak')))
    .rejects.toThrow(/^The step leaked the job's secrets: artifactCredentials\.secretAccessKey in log line \d+/);
});

test('a JVM of another major than the runtime\'s is named in a warning', async () => {
  const run = await runJavaStep(code, 'example.Step::handleRequest', { ...options('fail'), runtime: 'java25' });
  expect(run.warnings).toContainEqual(expect.stringMatching(/^The function's runtime is java25, but the handler ran on Java (?!25)\d+ \(java\): pass `java` \(with the CLI, --java <command>\) to run it on Java 25$/));
});

test('without the runtime interface client and without Maven, the error names the command that fetches it', async () => {
  const emptyRepository = fs.mkdtempSync(path.join(scratch, 'm2-'));
  const java = execFileSync('which', ['java'], { encoding: 'utf8' }).trim();
  const saved = process.env.PATH;
  process.env.PATH = path.join(scratch, 'no-commands');
  try {
    await expect(runJavaStep(code, 'example.Step::handleRequest', { ...options('copy'), java, mavenRepository: emptyRepository }))
      .rejects.toThrow('A Java function runs on com.amazonaws:aws-lambda-java-runtime-interface-client:2.10.1, as Lambda\'s Java runtimes do, and Maven (mvn) is not on PATH. '
        + `Install Maven and fetch it once: mvn -Dmaven.repo.local=${emptyRepository} dependency:get -Dartifact=com.amazonaws:aws-lambda-java-runtime-interface-client:2.10.1`);
  } finally {
    process.env.PATH = saved;
  }
});

test('jars in a layer\'s java/lib are on the class path, as Lambda puts /opt/java/lib there', async () => {
  // The step's classes alone as its code, and every dependency (the AWS SDK among them) in a layer.
  const classesOnly = path.join(scratch, 'classes-only');
  fs.cpSync(code, classesOnly, { recursive: true, filter: source => !source.startsWith(path.join(code, 'lib')) });
  const layer = path.join(scratch, 'sdk-layer');
  fs.cpSync(path.join(code, 'lib'), path.join(layer, 'java', 'lib'), { recursive: true });
  const failed = await runJavaStep(classesOnly, 'example.Step::handleRequest', options('fail'));
  expect(failed.failureReport?.error.errorType).toMatch(/NoClassDefFoundError|ClassNotFoundException/);
  const run = await runJavaStep(classesOnly, 'example.Step::handleRequest', { ...options('fail'), layers: { sdk: layer } });
  expect(run.failureDetails).toEqual({ type: 'JobFailed', message: 'the Java step found a problem' });
});

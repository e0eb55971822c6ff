import * as path from 'path';
import { runPythonStep, StepRun, StepRunError } from '../../../src/testing';
import type { PythonStepOptions } from '../../../src/testing/run-step';
import { clientsPython } from '../../support/aws-clients';

// The same handlers under awslambdaric 4.2.2 (AWS's runtime interface client, on which Lambda's Python
// runtimes are built) and under the harness's own bootstrap: results, context, log events and error
// shapes must agree. The interpreter has boto3 1.44.5, which reads AWS_ENDPOINT_URL_*.
const CODE = path.join(__dirname, '..', '..', 'fixtures', 'python-steps');
const SOURCE = { 'index.html': '<h1>hi</h1>', 'src/app.py': 'print(1)' };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

const runUnder = (client: 'awslambdaric' | 'harness', handler: string, options: Partial<PythonStepOptions> = {}) =>
  runPythonStep(CODE, handler, { runtime: 'python3.11', python: clientsPython(), pythonRuntimeClient: client, ...options });

/** What must not differ between the two: everything but ids, times and the client's name. */
function comparable(run: StepRun | StepRunError) {
  const text = (value: string) => value.replace(UUID, '<uuid>').replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>')
    .replace(/\b[0-9a-f]{40}\b/g, '<revision>').replace(/local-pipeline\/[A-Za-z]+\/[A-Za-z0-9]{7}/g, '<object key>')
    .replace(/ASIA[0-9A-F]{16}/g, '<access key id>').replace(/"expirationTime": \d+/, '"expirationTime": <ms>')
    .replace(/\d+ ms left/, '<ms> ms left').replace(/"remaining": \d+/, '"remaining": <ms>').replace(/\[\$LATEST\][0-9a-f]{32}/, '[$LATEST]<stream>');
  if (run instanceof StepRunError) {
    return { error: text(run.message), logs: run.logs?.map(text) };
  }
  return {
    outcome: run.outcome,
    outputVariables: run.outputVariables,
    failureDetails: run.failureDetails && text(run.failureDetails.message),
    failureReport: run.failureReport?.error,
    outputArtifacts: Object.fromEntries(Object.entries(run.outputArtifacts).map(([name, files]) =>
      [name, Object.fromEntries(Object.entries(files).map(([file, content]) => [file, content.toString()]))])),
    // awslambdaric adds the runtime's LAMBDA_WARNING advisory before an init error's event; the harness does not write AWS's text.
    logs: run.logs.filter(line => !line.includes('LAMBDA_WARNING: Unhandled exception')).map(text),
    calls: run.calls.map(call => [call.operation, call.error]),
  };
}

test.each<[string, string, Partial<PythonStepOptions>]>([
  ['a boto3 step that reads, writes and reports', 'list_files.handler', { inputArtifacts: { Source: SOURCE }, outputArtifacts: ['Listing'] }],
  ['the context object and the logging format', 'handlers.shows_context', { functionName: 'list-files', memoryMb: 256 }],
  ['an escaping exception', 'handlers.raises', {}],
  ['a handler that is not in its module', 'handlers.missing', {}],
  ['a module that cannot be imported', 'nomodule.handler', {}],
  ['clients that name AWS\'s endpoints themselves', 'handlers.names_real_endpoints', { inputArtifacts: { Source: SOURCE } }],
  ['reading the artifacts with the function\'s own role', 'handlers.reads_with_its_own_role', { inputArtifacts: { Source: SOURCE } }],
  ['returning without reporting', 'handlers.forgets_to_report', {}],
  ['printing the event', 'handlers.prints_event', { inputArtifacts: { Source: SOURCE } }],
])('%s: the same under awslambdaric and the harness\'s bootstrap', async (_, handler, options) => {
  const underClient = await runUnder('awslambdaric', handler, options).catch((error: StepRunError) => error);
  const underHarness = await runUnder('harness', handler, options).catch((error: StepRunError) => error);
  expect(comparable(underHarness)).toEqual(comparable(underClient));
  expect(underClient instanceof StepRunError ? underClient.message : underClient.runtimeClient)
    .toMatch(handler === 'handlers.forgets_to_report' ? /would wait 20 minutes/ : handler === 'handlers.prints_event' ? /leaked the job's secrets/ : /^awslambdaric 4\.2\.2 on Python 3\./);
});

test('an error is one log event, as CloudWatch Logs shows it: the type, the message and the handler\'s frames, indented with no-break spaces', async () => {
  const run = await runUnder('awslambdaric', 'handlers.raises');
  expect(run.logs).toEqual([expect.stringMatching(/^\[ERROR\] ValueError: the build output has no manifest\.json\nTraceback \(most recent call last\):\n\u00a0{2}File ".*handlers\.py", line \d+, in raises\n\u00a0{4}raise ValueError/)]);
});

test('awslambdaric runs a Python function wherever the interpreter has it', async () => {
  const run = await runPythonStep(CODE, 'list_files.handler', { runtime: 'python3.11', python: clientsPython(), inputArtifacts: { Source: SOURCE }, outputArtifacts: ['Listing'] });
  expect(run.runtimeClient).toMatch(/^awslambdaric 4\.2\.2 on Python 3\.\d+\.\d+$/);
});

test('asking for awslambdaric where the interpreter lacks it names the command that installs it', async () => {
  const debianPython = process.env.PYTHON_FOR_TESTS ?? '/usr/bin/python3';
  await expect(runPythonStep(CODE, 'list_files.handler', { runtime: 'python3.11', python: debianPython, pythonRuntimeClient: 'awslambdaric' }))
    .rejects.toThrow(`pythonRuntimeClient is awslambdaric, which ${debianPython} (Python 3.`);
  await expect(runPythonStep(CODE, 'list_files.handler', { runtime: 'python3.11', python: debianPython, pythonRuntimeClient: 'awslambdaric' }))
    .rejects.toThrow(`install it with ${debianPython} -m pip install awslambdaric`);
});

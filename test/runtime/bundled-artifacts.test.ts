import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { StepRun, StepRunOptions, runBundledStep } from '../../src/testing';
import { buildJobEvent, madeUpCredentials } from '../../src/testing/job-event';
import { bundleHandler } from '../support/measure';
import { LoopbackS3, RecordedS3Request } from '../support/s3';
import { patchEntryHeaders, renameEntry, storedZip, temporaryDirectory, zerosZip, zipFiles } from '../support/zip';

// The runtime against artifacts nobody meant to send and S3 as it behaves under load: the probe
// step bundled by esbuild and run in a process of its own (as Lambda would), with the real SDK,
// against s3rver (a third-party S3 implementation) behind a proxy that injects S3's errors and
// dropped connections.
const BUCKET = 'artifacts';
const PROBE = path.join(__dirname, '..', 'fixtures', 'artifact-probe-handler.ts');
let s3: LoopbackS3;
let work: string;
let bundle: string;

beforeAll(async () => {
  s3 = await LoopbackS3.start([BUCKET]);
  work = temporaryDirectory('bundled-artifacts-');
  bundle = path.dirname(bundleHandler(PROBE, work));
});

afterAll(async () => {
  await s3?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
  s3.faults.length = 0;
  s3.requests.length = 0;
});

const credentials = () => {
  const made = madeUpCredentials();
  return s3.asExternalS3(BUCKET, made).credentials as typeof made;
};

/** Runs the probe on an input artifact holding exactly `zip`, stored as S3 holds it. */
async function probeZip(zip: Buffer, probe: object, options: StepRunOptions = {}): Promise<StepRun> {
  const jobCredentials = credentials();
  const event = buildJobEvent({
    accountId: '123456789012',
    bucket: BUCKET,
    pipelineName: 'hostile',
    functionName: 'probe',
    userParameters: JSON.stringify(probe),
    inputs: [{ name: 'Source', revision: 'f'.repeat(40) }],
    outputs: [],
    credentials: jobCredentials,
    expiresAt: Date.now() + 3_600_000,
  });
  await s3.put(BUCKET, event['CodePipeline.job'].data.inputArtifacts[0].location.s3Location.objectKey, zip);
  return runBundledStep(bundle, 'index.handler', { ...options, event, s3: { endpoint: s3.endpoint, bucket: BUCKET, credentials: jobCredentials } });
}

/** Runs the probe on an input artifact made from `files` by the harness; one that copies gets an output artifact `Copy`. */
function probeFiles(files: Record<string, string | Buffer>, probe: { copy?: boolean; [other: string]: unknown }): Promise<StepRun> {
  return runBundledStep(bundle, 'index.handler', {
    s3: { endpoint: s3.endpoint, bucket: BUCKET, credentials: credentials() },
    userParameters: probe,
    inputArtifacts: { Source: files },
    outputArtifacts: probe.copy ? ['Copy'] : [],
  });
}

const failureOf = (run: StepRun) => {
  expect(run.outcome).toBe('failed');
  return run.failureDetails!;
};

describe('artifacts nobody meant to send', () => {
  test('a 1 GiB entry in a 1 MB zip is refused before it is inflated, naming the entry, its size and the limit', async () => {
    const bomb = zerosZip('zeros.bin', 1024 ** 3);
    expect(bomb.length).toBeLessThan(2 * 1024 ** 2);
    const failure = failureOf(await probeZip(bomb, { read: 'zeros.bin' }));
    expect(failure.type).toBe('JobFailed');
    expect(failure.message).toBe("Input artifact 'Source', entry 'zeros.bin': its header declares 1073741824 bytes uncompressed, "
      + 'over the 67108864-byte limit for reading an entry into memory; extractTo() streams it to disk instead, or pass { maxBytes } to raise the limit');
  }, 60_000);

  test('an entry too large to read whole in the function\'s memory is refused before it is inflated, naming the memory size to raise to', async () => {
    // 40 MiB fits under the 64 MiB default, but not twice over beside the runtime in 128 MB; 512 MB holds it.
    const large = zerosZip('large.bin', 40 * 1024 ** 2);
    const failure = failureOf(await probeZip(large, { read: 'large.bin' }, { memoryMb: 128 }));
    expect(failure.message).toBe("Input artifact 'Source', entry 'large.bin': its header declares 41943040 bytes uncompressed; "
      + 'reading it whole takes about twice that, more than a 128 MB function holds beside the runtime (33554432 bytes at most): '
      + "raise the function's memory size (functionProps.memorySize) to at least 144 MB, or extractTo() a directory, which streams it");
    const read = await probeZip(large, { read: 'large.bin' }, { memoryMb: 512 });
    expect(read.outcome).toBe('succeeded');
    expect(read.outputVariables.LENGTH).toBe(String(40 * 1024 ** 2));
  }, 60_000);

  test('an entry that inflates past the size its header declares stops at the declared size', async () => {
    const lying = patchEntryHeaders(zerosZip('small.txt', 8 * 1024 ** 2), 'small.txt', { uncompressedSize: 10 });
    const failure = failureOf(await probeZip(lying, { read: 'small.txt' }));
    expect(failure.message).toBe("Input artifact 'Source', entry 'small.txt': it inflates past the 10 bytes its header declares; reading stopped there");
  });

  test('a changed entry fails its CRC-32 check when read, and when extracted is not left on disk', async () => {
    const zip = storedZip({ 'config.json': '{"deploy":"prod"}', 'other.txt': 'other' });
    const changed = Buffer.from(zip);
    const at = changed.indexOf('"prod"');
    changed.write('"test"', at);
    const read = failureOf(await probeZip(changed, { read: 'config.json' }));
    expect(read.message).toMatch(/^Input artifact 'Source', entry 'config\.json': its content does not match its CRC-32 \(the zip records 0x[0-9a-f]{8}, the content has 0x[0-9a-f]{8}\): the entry is damaged or was changed$/);

    const extracted = await probeZip(changed, { extract: true });
    expect(failureOf(extracted).message).toMatch(/^Input artifact 'Source', entry 'config\.json': its content does not match its CRC-32/);
    // The intact entry may have been written before the changed one was reached; the changed one never stays.
    expect(extracted.logs).toContainEqual(expect.stringMatching(/^left on disk: \[(other\.txt)?\]$/));
  });

  test('among 300 files extracted in batches on several threads, a changed one fails its check, naming it, and is not left on disk', async () => {
    const files: Record<string, string> = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`files/${index}.txt`, `file ${index} `.repeat(20)]));
    files['files/changed.json'] = '{"deploy":"prod"}';
    const changed = storedZip(files);
    changed.write('"test"', changed.indexOf('"prod"'));
    const extracted = await probeZip(changed, { extract: true });
    expect(failureOf(extracted).message).toMatch(/^Input artifact 'Source', entry 'files\/changed\.json': its content does not match its CRC-32 \(the zip records 0x/);
    const leftOnDisk = extracted.logs.find(line => line.startsWith('left on disk: '));
    expect(leftOnDisk).toMatch(/files\/\d+\.txt/);
    expect(leftOnDisk).not.toContain('changed.json');
  });

  test('a zip holding a name twice is refused, naming it, whichever way it is read', async () => {
    const twice = renameEntry(zipFiles({ 'deploy.sh': 'echo safe', 'deplox.sh': 'rm -rf /' }), 'deplox.sh', 'deploy.sh');
    for (const probe of [{ read: 'deploy.sh' }, { extract: true }]) {
      const failure = failureOf(await probeZip(twice, probe));
      expect(failure.message).toBe("Input artifact 'Source' is not a readable zip file: it holds an entry name more than once: 'deploy.sh' (2 copies)");
    }
  });

  test('corrupt deflate data is reported with the artifact, the entry and what is wrong', async () => {
    const text = Array.from({ length: 2000 }, (_, line) => `line ${line} of a file that compresses`).join('\n');
    const zip = zipFiles({ 'log.txt': text });
    const corrupt = Buffer.from(zip);
    const dataStart = 30 + 'log.txt'.length + corrupt.readUInt16LE(28);
    corrupt.fill(0xff, dataStart + 20, dataStart + 60);
    const failure = failureOf(await probeZip(corrupt, { read: 'log.txt' }));
    expect(failure.message).toMatch(/^Input artifact 'Source', entry 'log\.txt': its compressed data is corrupt \(zlib Z_DATA_ERROR: .+\)$/);
  });
});

describe('S3 under load', () => {
  test('an upload that gets 503 SlowDown and then 500 InternalError is retried and succeeds', async () => {
    s3.faults.push({ method: 'PUT', path: /\/Copy\//, error: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, times: 1 });
    s3.faults.push({ method: 'PUT', path: /\/Copy\//, error: { status: 500, code: 'InternalError' }, times: 1 });
    const run = await probeFiles({ 'a.txt': 'A', 'b/c.txt': 'C' }, { copy: true });
    expect(run.failureDetails).toBeUndefined();
    expect(Object.keys(run.outputArtifacts.Copy).sort()).toEqual(['a.txt', 'b/c.txt']);
    expect(s3.requests.filter(request => request.method === 'PUT' && /\/Copy\//.test(request.url))).toHaveLength(3);
  });

  test('an upload that keeps getting 503 fails as SystemUnavailable after the attempts, keeping the code', async () => {
    s3.faults.push({ method: 'PUT', path: /\/Copy\//, error: { status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' }, times: 100 });
    const failure = failureOf(await probeFiles({ 'a.txt': 'A' }, { copy: true }));
    expect(failure.type).toBe('SystemUnavailable');
    expect(failure.message).toMatch(/^Could not write output artifact 'Copy' to s3:\/\/artifacts\/\S+: SlowDown \(HTTP 503\): Please reduce your request rate\. \(after 5 attempts\)$/);
  });

  test('a download whose connection drops mid-body resumes where it stopped', async () => {
    // Random bytes do not compress: the zip is as large as the file, so the cut lands mid-body.
    const big = randomBytes(3 * 1024 ** 2);
    s3.faults.push({ method: 'GET', path: /\/Source\//, dropAfterBytes: 512 * 1024, times: 2 });
    const run = await probeFiles({ 'big.bin': big }, { read: 'big.bin' });
    expect(run.failureDetails).toBeUndefined();
    expect(run.outputVariables.LENGTH).toBe(String(big.length));
    const gets = s3.requests.filter(request => request.method === 'GET' && /\/Source\//.test(request.url));
    expect(gets).toHaveLength(3);
    expect(gets[1].headers.range).toMatch(/^bytes=\d+-$/);
    expect(gets[1].headers['if-match']).toBeDefined();
  });

  test.each([
    ['AccessDenied', 403],
    ['KMS.DisabledException', 400],
  ])('%s on an input artifact is a PermissionError', async (code, status) => {
    s3.faults.push({ method: 'GET', path: /\/Source\//, error: { status, code, message: 'injected' }, times: 1 });
    const failure = failureOf(await probeFiles({ 'a.txt': 'A' }, { read: 'a.txt' }));
    expect(failure.type).toBe('PermissionError');
    expect(failure.message).toMatch(new RegExp(`^Could not read input artifact 'Source' from s3://artifacts/\\S+: ${code.replace('.', '\\.')} \\(HTTP ${status}\\): injected$`));
  });

  test('a download that failed does not poison later reads in the same invocation; the error keeps its cause', async () => {
    s3.faults.push({ method: 'GET', path: /\/Source\//, error: { status: 403, code: 'AccessDenied', message: 'for now' }, times: 1 });
    const run = await probeFiles({ 'a.txt': 'AAAA' }, { read: 'a.txt', readAgainAfterFailure: true });
    expect(run.failureDetails).toBeUndefined();
    expect(run.outputVariables).toEqual({
      FIRST_ERROR: expect.stringMatching(/^Could not read input artifact 'Source' from s3:\/\/artifacts\/\S+: AccessDenied \(HTTP 403\): for now$/),
      CAUSE: 'AccessDenied',
      LENGTH: '4',
    });
  });
});

describe('large artifacts: ranges and parts in parallel', () => {
  const MiB = 1024 ** 2;
  const PART = 16 * MiB;
  // Past the 64 MiB from which the runtime reads in ranges and writes in parts. Random bytes are stored, not deflated.
  const big = randomBytes(70 * MiB);
  const onSource = (method: string) => s3.requests.filter(request => request.method === method && /\/Source\//.test(request.url));
  const onCopy = (method: string) => s3.requests.filter(request => request.method === method && /\/Copy\//.test(request.url));

  const partOf = (request: RecordedS3Request) => Number(/[?&]partNumber=(\d+)/.exec(request.url)![1]);
  /**
   * The parts S3 stored, in order. Counted by their answers, not their requests: a part whose attempt
   * failed on a busy machine's loopback (a reset connection) is retried by the runtime, rightly.
   */
  const storedParts = () => onCopy('PUT').filter(request => request.status === 200 && !request.closedEarly).map(partOf).sort((a, b) => a - b);

  const rangeOf = (request: RecordedS3Request) => {
    const [, start, end] = /^bytes=(\d+)-(\d*)$/.exec(String(request.headers.range)) ?? [];
    return start === undefined ? undefined : { start: Number(start), end: end === '' ? undefined : Number(end) + 1 };
  };

  test('a large input is indexed in place; for extractTo it is then downloaded as a first part and ranges, all of one version', async () => {
    const run = await probeFiles({ 'big.bin': big }, { extract: true });
    expect(run.failureDetails).toBeUndefined();
    const [headersOnly, ...reads] = onSource('GET');
    // The first answer gives the size and the version; its body is not read.
    expect([headersOnly.headers.range, headersOnly.headers['if-match'], headersOnly.closedEarly]).toEqual([undefined, undefined, true]);
    const download = reads.findIndex(request => request.headers.range === undefined);
    const [inPlace, [whole, ...parts]] = [reads.slice(0, download), reads.slice(download)];
    // The index: blocks of 1 MiB at the end, where the end record and the central directory of one entry are.
    expect(inPlace.length).toBeGreaterThanOrEqual(1);
    for (const request of inPlace) {
      const range = rangeOf(request)!;
      expect(range.end! - range.start).toBeLessThanOrEqual(MiB);
      expect(range.start).toBeGreaterThanOrEqual(big.length - MiB);
    }
    expect(parts.map(request => rangeOf(request)!.start).sort((a, b) => a - b)).toEqual([PART, 2 * PART, 3 * PART, 4 * PART]);
    const etag = headersOnly.headers.etag ?? whole.headers['if-match'];
    expect(etag).toMatch(/.+/);
    expect(new Set([...inPlace, whole, ...parts].map(request => request.headers['if-match']))).toEqual(new Set([etag]));
  });

  test('a large input that is listed and read, not extracted, is never downloaded: a few ranged GETs of its version', async () => {
    // An entry larger than a block: read in chunks (and verified against its CRC-32).
    const middle = randomBytes(3 * MiB);
    const run = await probeFiles({ 'big.bin': big, 'middle.bin': middle }, { read: 'middle.bin' });
    expect(run.failureDetails).toBeUndefined();
    expect(run.outputVariables.LENGTH).toBe(String(middle.length));
    const [headersOnly, ...reads] = onSource('GET');
    expect(headersOnly.closedEarly).toBe(true);
    const requested = reads.map(request => rangeOf(request)!).reduce((sum, range) => sum + range.end! - range.start, 0);
    // The index's blocks, the entry's local header, its data.
    expect(reads.length).toBeLessThanOrEqual(5);
    expect(requested).toBeLessThanOrEqual(middle.length + 3 * MiB);
  });

  test('a large input replaced while it is read in place fails with S3\'s 412, naming the artifact, as JobFailed', async () => {
    s3.faults.push({
      method: 'GET',
      path: /\/Source\//,
      headers: headers => headers['if-match'] !== undefined,
      times: 1,
      error: { status: 412, code: 'PreconditionFailed', message: 'At least one of the pre-conditions you specified did not hold' },
    });
    const failure = failureOf(await probeFiles({ 'big.bin': big, 'config.json': '{}' }, { read: 'config.json' }));
    expect(failure).toMatchObject({
      type: 'JobFailed',
      message: expect.stringMatching(/^Could not read input artifact 'Source' from s3:\/\/artifacts\/.+: PreconditionFailed \(HTTP 412\): At least one of the pre-conditions/),
    });
  });

  test('a large input whose download drops resumes within its range, of the same version', async () => {
    s3.faults.push({ method: 'GET', path: /\/Source\//, headers: headers => headers['if-match'] !== undefined && headers.range === undefined, dropAfterBytes: 4 * MiB, times: 1 });
    const run = await probeFiles({ 'big.bin': big }, { extract: true });
    expect(run.failureDetails).toBeUndefined();
    const resumed = onSource('GET').find(request => /^bytes=\d+-$/.test(String(request.headers.range)));
    expect(rangeOf(resumed!)!.start).toBeGreaterThan(0);
    expect(resumed?.headers['if-match']).toBeDefined();
  });

  test('a large output is uploaded in parts, and the object S3 assembles is the artifact', async () => {
    const run = await probeFiles({ 'big.bin': big }, { copy: true });
    expect(run.failureDetails).toBeUndefined();
    expect(Buffer.compare(run.outputArtifacts.Copy['big.bin'], big)).toBe(0);
    expect(storedParts()).toEqual([1, 2, 3, 4, 5]);
    expect(onCopy('POST').map(request => /[?&](uploads|uploadId)/.exec(request.url)![1])).toEqual(['uploads', 'uploadId']);
  });

  test('the harness\'s own S3 endpoint serves the ranges and takes the parts, as S3 does', async () => {
    const run = await runBundledStep(bundle, 'index.handler', { userParameters: { copy: true }, inputArtifacts: { Source: { 'big.bin': big } }, outputArtifacts: ['Copy'] });
    expect(run.outcome).toBe('succeeded');
    expect(Buffer.compare(run.outputArtifacts.Copy['big.bin'], big)).toBe(0);
  });

  test('a part that gets 503 SlowDown is retried on its own', async () => {
    s3.faults.push({ method: 'PUT', path: /\/Copy\/.*[?&]partNumber=2&/, error: { status: 503, code: 'SlowDown' }, times: 1 });
    const run = await probeFiles({ 'big.bin': big }, { copy: true });
    expect(run.failureDetails).toBeUndefined();
    // Each part stored once: the 503 sent part 2 again, and nothing else.
    expect(storedParts()).toEqual([1, 2, 3, 4, 5]);
    expect(onCopy('PUT').filter(request => request.status === 503).map(partOf)).toEqual([2]);
  });

  test('a part refused with AccessDenied fails the job as a PermissionError, and the upload is aborted', async () => {
    s3.faults.push({ method: 'PUT', path: /\/Copy\/.*[?&]partNumber=3&/, error: { status: 403, code: 'AccessDenied', message: 'no' }, times: 100 });
    const failure = failureOf(await probeFiles({ 'big.bin': big }, { copy: true }));
    expect(failure.type).toBe('PermissionError');
    expect(failure.message).toMatch(/^Could not write output artifact 'Copy' to s3:\/\/artifacts\/\S+: AccessDenied \(HTTP 403\): no$/);
    expect(onCopy('DELETE').map(request => /[?&]uploadId=/.test(request.url))).toEqual([true]);
  });
});

describe('running out of time', () => {
  test('when the deadline guard fails the job, job.signal aborts and the download in flight is cut', async () => {
    s3.faults.push({ method: 'GET', path: /\/Source\//, stallMillis: 30_000, times: 1 });
    const run = await runBundledStep(bundle, 'index.handler', {
      s3: { endpoint: s3.endpoint, bucket: BUCKET, credentials: credentials() },
      userParameters: { read: 'a.txt', watchSignal: true },
      inputArtifacts: { Source: { 'a.txt': 'A' } },
      // The runtime keeps a 10 s margin: a 12 s function gives the step 2 s.
      timeoutMillis: 12_000,
    });
    expect(failureOf(run).message).toMatch(/^The step ran out of time/);
    expect(run.logs).toContain('job.signal aborted: the step ran out of time');
    const get = s3.requests.find(request => request.method === 'GET' && /\/Source\//.test(request.url))!;
    expect(get.closedEarly).toBe(true);
  }, 30_000);
});

import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { setTimeout as sleep } from 'timers/promises';
// The module object itself (not a namespace copy), so that its open() can be counted.
import yauzl from 'yauzl';
import { InputArtifact } from '../../src/runtime/artifacts';
import { ArtifactError } from '../../src/runtime/errors';
import { naming } from '../support/messages';
import {
  FIXTURE_BUCKET, FIXTURE_INPUT_KEY, FIXTURE_OUTPUT_KEY, KMS_KEY, codePipeline, expectFailure, jobOf, jobWithArtifacts,
  onlyCall, putFixtureInput, run, s3, s3Credentials, useRuntimeEndpoints,
} from '../support/runtime-harness';
import {
  encryptedZip, listFiles, patchEntryHeaders, temporaryDirectory, unzipFiles, withMethod, writeFiles, zipDirectory, zipFiles, zipSlipArchive,
} from '../support/zip';

useRuntimeEndpoints();

describe('3. artifacts', () => {
  const binary = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256));

  test('input: lists entries and reads nested text and binary files with the job credentials', async () => {
    await putFixtureInput({ 'manifest.json': '{"version":3}', 'dist/app/main.js': 'console.log(1);', 'assets/logo.bin': binary });
    const read: any = {};
    await run(async job => {
      const input = job.inputArtifact('SourceArtifact');
      read.entries = (await input.entries()).map(entry => `${entry.path}:${entry.size}`).sort();
      read.manifest = await input.readText('manifest.json');
      read.main = await input.readText('./dist/app/main.js');
      read.logo = await input.readBytes('assets/logo.bin');
      read.revision = input.revision;
      return {};
    }, { 'CodePipeline.job': { ...jobOf(jobWithArtifacts()), data: { ...jobOf(jobWithArtifacts()).data, outputArtifacts: [] } } });

    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    expect(read.entries).toEqual(['assets/logo.bin:4096', 'dist/app/main.js:15', 'manifest.json:13']);
    expect(read.manifest).toBe('{"version":3}');
    expect(read.main).toBe('console.log(1);');
    expect(Buffer.compare(read.logo, binary)).toBe(0);
    expect(read.revision).toBe('9f2c4e1a7b3d5f6081a2b3c4d5e6f708192a3b4c');

    const credentials = jobOf(jobWithArtifacts()).data.artifactCredentials;
    expect(s3Credentials).toEqual([expect.objectContaining({
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    })]);
    const get = s3.requests.find(request => request.method === 'GET')!;
    expect(get.url.split('?')[0]).toBe(`/${FIXTURE_BUCKET}/${FIXTURE_INPUT_KEY}`);
    expect(get.headers.authorization).toContain(`Credential=${credentials.accessKeyId}/`);
    expect(get.headers['x-amz-security-token']).toBe(credentials.sessionToken);
    expect(s3.requests.filter(request => request.method === 'GET')).toHaveLength(1);
  });

  test('input: extracts every entry to a directory', async () => {
    await putFixtureInput({ 'a.txt': 'A', 'deep/er/b.txt': 'B', 'bin/c.bin': binary });
    const target = temporaryDirectory();
    let written: string[] = [];
    await run(async job => {
      written = await job.inputArtifact('SourceArtifact').extractTo(path.join(target, 'out'));
      await job.outputArtifact('ReportArtifact').write({ 'ok.txt': 'ok' });
    }, jobWithArtifacts());
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    expect(written.sort()).toEqual(['a.txt', 'bin/c.bin', 'deep/er/b.txt']);
    expect(listFiles(path.join(target, 'out'))).toEqual(['a.txt', 'bin/c.bin', 'deep/er/b.txt']);
    expect(fs.readFileSync(path.join(target, 'out', 'deep/er/b.txt'), 'utf8')).toBe('B');
    expect(Buffer.compare(fs.readFileSync(path.join(target, 'out', 'bin/c.bin')), binary)).toBe(0);
    fs.rmSync(target, { recursive: true, force: true });
  });

  test('input: an entry escaping the target directory (zip-slip) is refused and nothing is written', async () => {
    await s3.put(FIXTURE_BUCKET, FIXTURE_INPUT_KEY, zipSlipArchive());
    const target = temporaryDirectory();
    await run(async job => {
      await job.inputArtifact('SourceArtifact').extractTo(path.join(target, 'out'));
    }, jobWithArtifacts());
    expectFailure('JobFailed', /Input artifact 'SourceArtifact' has an entry that escapes the target directory, refused: .*\.\.\/escaped\.txt/);
    expect(fs.existsSync(path.join(target, 'escaped.txt'))).toBe(false);
    expect(fs.existsSync(path.join(target, 'out'))).toBe(false);
    fs.rmSync(target, { recursive: true, force: true });
  });

  test('input: entries declaring more bytes than the target has free are refused before anything is written, naming both', async () => {
    const target = temporaryDirectory();
    const { bavail, bsize } = fs.statfsSync(target);
    const declaredEach = 0xfffffffe;
    const count = Math.ceil((bavail * bsize) / declaredEach) + 1;
    const names = Array.from({ length: count }, (_, index) => `part-${index}.bin`);
    const zip = names.reduce((patched, name) => patchEntryHeaders(patched, name, { uncompressedSize: declaredEach }),
      zipFiles(Object.fromEntries(names.map(name => [name, 'x'.repeat(1000)]))));
    await s3.put(FIXTURE_BUCKET, FIXTURE_INPUT_KEY, zip);
    await run(async job => {
      await job.inputArtifact('SourceArtifact').extractTo(path.join(target, 'out'));
    }, jobWithArtifacts());
    expectFailure('JobFailed', naming(`declares ${count * declaredEach} bytes in ${count} files`, 'bytes free under', path.join(target, 'out')));
    expect(listFiles(path.join(target, 'out'))).toEqual([]);
    fs.rmSync(target, { recursive: true, force: true });
  });

  test('input: many files in many directories are all extracted, each intact, in the zip\'s order', async () => {
    const files = Object.fromEntries(Array.from({ length: 300 }, (_, index) => [`dir-${index % 7}/sub-${index % 3}/file-${index}.txt`, `content ${index} `.repeat(index)]));
    await putFixtureInput(files);
    const target = temporaryDirectory();
    let written: string[] = [];
    let stored: string[] = [];
    await run(async job => {
      written = await job.inputArtifact('SourceArtifact').extractTo(path.join(target, 'out'));
      stored = (await job.inputArtifact('SourceArtifact').entries()).filter(entry => !entry.isDirectory).map(entry => entry.path);
    }, jobWithArtifacts());
    expect(written).toEqual(stored);
    expect([...written].sort()).toEqual(Object.keys(files).sort());
    for (const [name, content] of Object.entries(files)) {
      expect(fs.readFileSync(path.join(target, 'out', name), 'utf8')).toBe(content);
    }
    fs.rmSync(target, { recursive: true, force: true });
  });

  test('input: when job.signal aborts during extractTo, its threads stop, no file is written after, and the error names the signal', async () => {
    const files = Object.fromEntries(Array.from({ length: 3000 }, (_, index) => [`dir-${index % 30}/file-${index}.txt`, `content ${index} `.repeat(50)]));
    await putFixtureInput(files);
    const target = temporaryDirectory();
    const controller = new AbortController();
    const input = new InputArtifact({ name: 'SourceArtifact', bucketName: FIXTURE_BUCKET, objectKey: FIXTURE_INPUT_KEY }, {
      s3: async () => s3.client(),
      tempDirectory: target,
      signal: controller.signal,
      assertOpen: () => undefined,
    });
    const out = path.join(target, 'out');
    try {
      await input.entries();
      const extraction = input.extractTo(out);
      while (!fs.existsSync(out) || listFiles(out).length === 0) {
        await sleep(2);
      }
      controller.abort(new Error('the step ran out of time'));
      await expect(extraction).rejects.toThrow(naming('Input artifact \'SourceArtifact\'', 'stopped because the job\'s signal was aborted (the step ran out of time)'));
      const written = listFiles(out);
      expect(written.length).toBeLessThan(3000);
      // What is left is whole: a batch cut short has its files removed.
      for (const name of written) {
        expect(fs.readFileSync(path.join(out, name), 'utf8')).toBe(files[name]);
      }
      await sleep(300);
      expect(listFiles(out)).toHaveLength(written.length);
    } finally {
      await input.close();
      fs.rmSync(target, { recursive: true, force: true });
    }
  });

  test.each([
    ['an encrypted entry (zip -P)', () => encryptedZip({ 'secret.txt': 'classified' }), 'it is encrypted, and the runtime reads only unencrypted entries'],
    ['an entry of a compression method other than stored or deflated', () => withMethod(zipFiles({ 'secret.txt': 'classified '.repeat(9) }), 'secret.txt', 12),
      'its compression method is 12; the runtime reads 0 (stored) and 8 (deflated)'],
  ])('input: %s is refused by name, whether read or extracted', async (_case, zip, problem) => {
    for (const read of [(input: InputArtifact) => input.readText('secret.txt'), (input: InputArtifact) => input.extractTo(temporaryDirectory())]) {
      await s3.put(FIXTURE_BUCKET, FIXTURE_INPUT_KEY, zip());
      codePipeline.reset();
      await run(async job => {
        await read(job.inputArtifact('SourceArtifact'));
      }, jobWithArtifacts());
      expectFailure('JobFailed', naming('Input artifact \'SourceArtifact\', entry \'secret.txt\'', problem));
    }
  });

  test('input: extractTo keeps the permissions the zip records, so an executable stays executable, and a copy keeps them too', async () => {
    const source = temporaryDirectory();
    writeFiles(source, { 'build.sh': '#!/bin/sh\necho built\n', 'config.json': '{}', 'large.bin': Buffer.alloc(5 * 1024 * 1024, 7) });
    fs.chmodSync(path.join(source, 'build.sh'), 0o755);
    fs.chmodSync(path.join(source, 'config.json'), 0o640);
    fs.chmodSync(path.join(source, 'large.bin'), 0o750);
    await s3.put(FIXTURE_BUCKET, FIXTURE_INPUT_KEY, fs.readFileSync(zipDirectory(source, path.join(source, '..', 'modes.zip'))));
    const target = temporaryDirectory();
    // The umask applies, as it does to Info-ZIP's unzip: a common one, so that the modes stay as recorded.
    const umask = process.umask(0o022);
    try {
      await run(async job => {
        await job.inputArtifact('SourceArtifact').extractTo(target);
        await job.outputArtifact('ReportArtifact').write(target);
      }, jobWithArtifacts());
    } finally {
      process.umask(umask);
    }
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    const modeOf = (file: string) => fs.statSync(path.join(target, file)).mode % 0o1000;
    // The large file streamed; the others were written by the threads.
    expect([modeOf('build.sh'), modeOf('config.json'), modeOf('large.bin')]).toEqual([0o755, 0o640, 0o750]);
    const copied = path.join(target, '..', 'copied.zip');
    fs.writeFileSync(copied, await s3.get(FIXTURE_BUCKET, FIXTURE_OUTPUT_KEY));
    expect(execFileSync('zipinfo', ['-1', '-l', copied]).toString()).toMatch(/^-rwxr-xr-x .* build\.sh$/m);
    for (const directory of [source, target]) {
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });

  test('input: a file that is not in the artifact is an error listing what is', async () => {
    await putFixtureInput({ 'a.txt': 'A', 'b.txt': 'B' });
    await run(async job => {
      await job.inputArtifact('SourceArtifact').readText('c.txt');
    }, jobWithArtifacts());
    expectFailure('JobFailed', 'Input artifact \'SourceArtifact\' has no file \'c.txt\'; it holds: a.txt, b.txt');
  });

  test('input: an artifact that is not a zip is a clear error', async () => {
    await s3.put(FIXTURE_BUCKET, FIXTURE_INPUT_KEY, Buffer.from('not a zip at all'));
    await run(async job => {
      await job.inputArtifact('SourceArtifact').entries();
    }, jobWithArtifacts());
    expectFailure('JobFailed', /Input artifact 'SourceArtifact' is not a readable zip file: /);
  });

  test('input: a missing S3 object is a clear error naming where it looked', async () => {
    const event = jobWithArtifacts();
    jobOf(event).data.inputArtifacts[0].location.s3Location.objectKey = 'nothing/here';
    await run(async job => {
      await job.inputArtifact('SourceArtifact').entries();
    }, event);
    expectFailure('JobFailed', `Could not read input artifact 'SourceArtifact' from s3://${FIXTURE_BUCKET}/nothing/here: NoSuchKey`);
  });

  test('output: writes nested text and binary files as a zip, with default encryption when the job has no key', async () => {
    await run(async job => {
      await job.outputArtifact('ReportArtifact').write({ 'report.json': '{"ok":true}', 'nested/deeper/data.bin': binary });
    }, jobWithArtifacts());
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    const files = unzipFiles(await s3.get(FIXTURE_BUCKET, FIXTURE_OUTPUT_KEY));
    expect(Object.keys(files)).toEqual(['nested/deeper/data.bin', 'report.json']);
    expect(files['report.json'].toString()).toBe('{"ok":true}');
    expect(Buffer.compare(files['nested/deeper/data.bin'], binary)).toBe(0);
    const put = s3.requests.find(request => request.method === 'PUT' && request.url.startsWith(`/${FIXTURE_BUCKET}/${FIXTURE_OUTPUT_KEY}`))!;
    expect(put.headers['x-amz-server-side-encryption']).toBeUndefined();
  });

  test('output: writes a directory, and uses SSE-KMS with the job\'s key when the event has one', async () => {
    const source = temporaryDirectory();
    writeFiles(source, { 'index.html': '<h1>hi</h1>', 'css/site.css': 'body{}', 'img/x.bin': binary });
    const event = jobWithArtifacts();
    jobOf(event).data.encryptionKey = { id: KMS_KEY, type: 'KMS' };
    await run(async job => {
      await job.outputArtifact('ReportArtifact').write(source);
    }, event);
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    const files = unzipFiles(await s3.get(FIXTURE_BUCKET, FIXTURE_OUTPUT_KEY));
    expect(Object.keys(files)).toEqual(['css/site.css', 'img/x.bin', 'index.html']);
    expect(Buffer.compare(files['img/x.bin'], binary)).toBe(0);
    const put = s3.requests.find(request => request.method === 'PUT' && request.url.startsWith(`/${FIXTURE_BUCKET}/${FIXTURE_OUTPUT_KEY}`))!;
    expect(put.headers['x-amz-server-side-encryption']).toBe('aws:kms');
    expect(put.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe(KMS_KEY);
    fs.rmSync(source, { recursive: true, force: true });
  });

  test('input: a zip with directory entries lists them as directories and extracts them as directories', async () => {
    await s3.put(FIXTURE_BUCKET, FIXTURE_INPUT_KEY, zipFiles({ 'docs/a.txt': 'A', 'docs/empty/.keep': '' }, true));
    const target = temporaryDirectory();
    let listed: string[] = [];
    await run(async job => {
      const input = job.inputArtifact('SourceArtifact');
      listed = (await input.entries()).map(entry => `${entry.path}${entry.isDirectory ? '/' : ''}`).sort();
      await input.extractTo(path.join(target, 'out'));
      await job.outputArtifact('ReportArtifact').write({ 'ok.txt': 'ok' });
    }, jobWithArtifacts());
    expect(onlyCall().operation).toBe('PutJobSuccessResult');
    expect(listed).toEqual(['docs/', 'docs/a.txt', 'docs/empty/', 'docs/empty/.keep']);
    expect(fs.statSync(path.join(target, 'out', 'docs', 'empty')).isDirectory()).toBe(true);
    fs.rmSync(target, { recursive: true, force: true });
  });

  test('output: a directory that does not exist is an ArtifactError naming the artifact and the directory', async () => {
    const missing = path.join(temporaryDirectory(), 'not-built');
    await run(async job => {
      const error = await job.outputArtifact('ReportArtifact').write(missing).catch(caught => caught);
      expect(error).toBeInstanceOf(ArtifactError);
      throw error;
    }, jobWithArtifacts());
    expectFailure('JobFailed', `Output artifact 'ReportArtifact': the directory '${missing}' does not exist or is not a directory`);
  });

  test.each([['../up.txt'], ['/etc/passwd'], ['']])('output: the path %p is refused', async badPath => {
    await run(async job => {
      await job.outputArtifact('ReportArtifact').write({ [badPath]: 'x' });
    }, jobWithArtifacts());
    expectFailure('JobFailed', `Output artifact 'ReportArtifact': file paths must be relative paths inside the artifact, got '${badPath}'`);
  });

  test('an artifact name the job does not have is an error listing the names it has', async () => {
    await run(async job => {
      job.inputArtifact('BuildOutput');
    }, jobWithArtifacts());
    expectFailure('JobFailed', 'The job has no input artifact \'BuildOutput\'; its input artifacts are: \'SourceArtifact\'');
    codePipeline.reset();
    await run(async job => {
      job.outputArtifact('Report');
    }, jobWithArtifacts());
    expectFailure('JobFailed', 'The job has no output artifact \'Report\'; its output artifacts are: \'ReportArtifact\'');
  });

  test('a success that left an output artifact unwritten is reported as a failure naming it', async () => {
    await run(async () => ({ summary: 'forgot the report' }), jobWithArtifacts());
    expectFailure('JobFailed', 'The step did not write its output artifacts: ReportArtifact');
  });

  test('input: the zip is downloaded and indexed once per invocation, however many files are read', async () => {
    const files = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`src/file-${i}.txt`, `content ${i}`]));
    await putFixtureInput(files);
    const opened = jest.spyOn(yauzl, 'fromRandomAccessReader');
    const read: string[] = [];
    try {
      await run(async job => {
        const input = job.inputArtifact('SourceArtifact');
        for (let i = 0; i < 400; i += 10) {
          read.push(await input.readText(`src/file-${i}.txt`));
        }
        read.push(String((await input.entries()).length));
        return {};
      }, { 'CodePipeline.job': { ...jobOf(jobWithArtifacts()), data: { ...jobOf(jobWithArtifacts()).data, outputArtifacts: [] } } });
      expect(onlyCall().operation).toBe('PutJobSuccessResult');
      expect(read).toEqual([...Array.from({ length: 40 }, (_, i) => `content ${i * 10}`), '400']);
      expect(opened).toHaveBeenCalledTimes(1);
      expect(s3.requests.filter(request => request.method === 'GET')).toHaveLength(1);
    } finally {
      opened.mockRestore();
    }
  });
});

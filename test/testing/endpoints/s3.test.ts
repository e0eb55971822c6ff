import { createHash, createHmac } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import {
  AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { LoopbackS3Endpoint } from '../../../src/testing/endpoints/s3';
import type { KnownCredentials } from '../../../src/testing/endpoints/sigv4';

// The built-in S3 endpoint against the SDK's S3 client in its default configuration (checksums,
// aws-chunked uploads), with the job's artifact credentials and others.
const BUCKET = 'codepipeline-us-east-1-123456789012';
const artifact: KnownCredentials = { accessKeyId: 'ASIAARTIFACT0000001', secretAccessKey: 'artifact-secret', sessionToken: 'artifact-token', principal: 'artifact' };
const role: KnownCredentials = { accessKeyId: 'ASIAFUNCTIONROLE001', secretAccessKey: 'role-secret', sessionToken: 'role-token', principal: 'function' };
const expired: KnownCredentials = { ...artifact, accessKeyId: 'ASIAEXPIRED00000001', expiresAt: Date.now() - 1000 };
let endpoint: LoopbackS3Endpoint;

beforeAll(async () => {
  endpoint = await LoopbackS3Endpoint.start({ buckets: [BUCKET], credentials: [artifact, role, expired] });
});
afterAll(() => endpoint.stop());

/** A client as users write one: only the endpoint, region and credentials set. */
function client(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = artifact) {
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return new S3Client({ endpoint: endpoint.endpoint, region: 'us-east-1', credentials: { accessKeyId, secretAccessKey, sessionToken }, maxAttempts: 1 });
}

async function s3Error(send: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  const error = await send.then(() => undefined, (thrown: S3ServiceException) => thrown);
  expect(error).toBeDefined();
  return { name: error!.name, status: error!.$metadata?.httpStatusCode, message: error!.message };
}

test('PutObject with the SDK defaults (aws-chunked, CRC32 trailer) stores the bytes and the verified checksum', async () => {
  const body = Buffer.from('artifact bytes '.repeat(1000));
  const sent = await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'p/Source/abc', Body: body, ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'key-1' }));
  expect(sent.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`);
  expect(endpoint.readObject(BUCKET, 'p/Source/abc')).toEqual(body);
  expect(endpoint.objectInfo(BUCKET, 'p/Source/abc')).toEqual({ serverSideEncryption: 'aws:kms', kmsKeyId: 'key-1', checksums: { crc32: sent.ChecksumCRC32 } });
  // GetObject validates the checksum the endpoint returns (the SDK's default), so a wrong one would fail here.
  const got = await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'p/Source/abc' }));
  expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(body);
  expect(got.ServerSideEncryption).toBe('aws:kms');
});

test('a wrong CRC32 or SHA256 is BadDigest, a wrong Content-MD5 too, and nothing is stored', async () => {
  const body = Buffer.from('hello');
  expect(await s3Error(client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad-crc', Body: body, ChecksumCRC32: 'AAAAAA==' })))).toMatchObject({ name: 'BadDigest', status: 400 });
  expect(await s3Error(client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad-sha', Body: body, ChecksumSHA256: createHash('sha256').update('other').digest('base64') })))).toMatchObject({ name: 'BadDigest' });
  expect(await s3Error(client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bad-md5', Body: body, ContentMD5: createHash('md5').update('other').digest('base64') })))).toMatchObject({ name: 'BadDigest' });
  expect(['bad-crc', 'bad-sha', 'bad-md5'].map(key => endpoint.readObject(BUCKET, key))).toEqual([undefined, undefined, undefined]);
  await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'good-sha', Body: body, ChecksumSHA256: createHash('sha256').update(body).digest('base64') }));
  expect(endpoint.objectInfo(BUCKET, 'good-sha')?.checksums).toEqual({ sha256: createHash('sha256').update(body).digest('base64') });
});

test('HeadObject and ranged GetObject answer as S3 does', async () => {
  await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'range', Body: '0123456789' }));
  const head = await client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'range' }));
  expect(head.ContentLength).toBe(10);
  const part = await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range', Range: 'bytes=2-5' }));
  expect([await part.Body!.transformToString(), part.ContentRange, part.ContentLength]).toEqual(['2345', 'bytes 2-5/10', 4]);
  const tail = await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range', Range: 'bytes=-3' }));
  expect(await tail.Body!.transformToString()).toBe('789');
  expect(await s3Error(client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range', Range: 'bytes=20-' })))).toMatchObject({ name: 'InvalidRange', status: 416 });
  expect(await s3Error(client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'missing' })))).toMatchObject({ name: 'NotFound', status: 404 });
});

test('GetObject with If-Match reads the version it names, and answers 412 PreconditionFailed once the object was replaced', async () => {
  await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'versioned', Body: 'first version' }));
  const { ETag } = await client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'versioned' }));
  const same = await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'versioned', Range: 'bytes=0-4', IfMatch: ETag }));
  expect(await same.Body!.transformToString()).toBe('first');
  await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: 'versioned', Body: 'second version' }));
  const replaced = client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'versioned', Range: 'bytes=0-4', IfMatch: ETag }));
  expect(await s3Error(replaced)).toMatchObject({ name: 'PreconditionFailed', status: 412 });
  const any = await client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'versioned', IfMatch: '*' }));
  expect(await any.Body!.transformToString()).toBe('second version');
});

test('ListObjectsV2 lists a prefix, page by page', async () => {
  for (const key of ['list/b', 'list/a', 'list/c', 'other/d']) {
    await client().send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: key }));
  }
  const first = await client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', MaxKeys: 2 }));
  expect(first.Contents?.map(object => object.Key)).toEqual(['list/a', 'list/b']);
  expect(first.IsTruncated).toBe(true);
  const second = await client().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'list/', ContinuationToken: first.NextContinuationToken }));
  expect(second.Contents?.map(object => [object.Key, object.Size])).toEqual([['list/c', 6]]);
  expect(second.IsTruncated).toBe(false);
});

test('@aws-sdk/lib-storage uploads in parts; the parts are checked and the object is whole', async () => {
  const body = Buffer.alloc(11 * 1024 * 1024, 'abc');
  await new Upload({ client: client(), params: { Bucket: BUCKET, Key: 'multipart', Body: body, ServerSideEncryption: 'aws:kms' }, partSize: 5 * 1024 * 1024 }).done();
  expect(endpoint.readObject(BUCKET, 'multipart')!.equals(body)).toBe(true);
  expect(endpoint.objectInfo(BUCKET, 'multipart')).toMatchObject({ parts: 3, serverSideEncryption: 'aws:kms' });
});

test('multipart upload refuses small parts, unknown parts and aborted uploads', async () => {
  const s3 = client();
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'small' }));
  const upload = (PartNumber: number) => s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'small', UploadId, PartNumber, Body: 'tiny' }));
  const parts = [{ PartNumber: 1, ETag: (await upload(1)).ETag }, { PartNumber: 2, ETag: (await upload(2)).ETag }];
  const complete = (Parts: Array<{ PartNumber: number; ETag?: string }>) => s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'small', UploadId, MultipartUpload: { Parts } }));
  expect(await s3Error(complete(parts))).toMatchObject({ name: 'EntityTooSmall' });
  expect(await s3Error(complete([{ PartNumber: 3, ETag: '"x"' }]))).toMatchObject({ name: 'InvalidPart' });
  expect(await s3Error(complete([...parts].reverse()))).toMatchObject({ name: 'InvalidPartOrder' });
  await s3.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'small', UploadId }));
  expect(await s3Error(upload(3))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
});

describe('who may read and write', () => {
  test('the function\'s own role is refused with 403 AccessDenied, as at the pipeline\'s artifact bucket', async () => {
    expect(await s3Error(client(role).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(await s3Error(client(role).send(new PutObjectCommand({ Bucket: BUCKET, Key: 'by-role', Body: 'x' })))).toMatchObject({ name: 'AccessDenied', status: 403 });
  });

  test.each([
    ['expired artifact credentials', 'ExpiredToken', 400, expired],
    ['an unknown access key', 'InvalidAccessKeyId', 403, { ...artifact, accessKeyId: 'ASIAUNKNOWN00000001' }],
    ['a wrong secret', 'SignatureDoesNotMatch', 403, { ...artifact, secretAccessKey: 'wrong' }],
    ['a wrong session token', 'InvalidToken', 400, { ...artifact, sessionToken: 'other' }],
  ])('%s: %s (%d)', async (_, name, status, credentials) => {
    expect(await s3Error(client(credentials).send(new GetObjectCommand({ Bucket: BUCKET, Key: 'range' })))).toMatchObject({ name, status });
  });

  test('an unsigned request is AccessDenied, with S3\'s XML error body', async () => {
    const { status, body } = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
      http.get(`${endpoint.endpoint}/${BUCKET}/range`, response => {
        let text = '';
        response.on('data', chunk => text += chunk);
        response.on('end', () => resolve({ status: response.statusCode, body: text }));
      }).on('error', reject);
    });
    expect(status).toBe(403);
    expect(body).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?><Error><Code>AccessDenied<\/Code><Message>[^<]+<\/Message><RequestId>[0-9A-F]{16}<\/RequestId><HostId>/);
  });

  test('a missing key and a missing bucket are NoSuchKey and NoSuchBucket', async () => {
    expect(await s3Error(client().send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nothing' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
    expect(await s3Error(client().send(new GetObjectCommand({ Bucket: 'other-bucket', Key: 'x' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
  });
});

describe('signed aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER), as the AWS SDK for Java v2 sends them over HTTP', () => {
  // Each chunk's signature chains from the one before, starting from the request's own signature, as
  // S3's "Signature Calculations ... Transferring Payload in Multiple Chunks" describes; the trailer is signed last.
  const hmac = (key: Buffer | string, text: string) => createHmac('sha256', key).update(text).digest();
  const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

  async function putSigned(chunks: Buffer[], tamper?: (body: Buffer) => Buffer): Promise<number> {
    const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const scope = `${amzDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
    const url = new URL(`${endpoint.endpoint}/${BUCKET}/signed-chunks`);
    const headers: Record<string, string> = {
      'host': url.host,
      'x-amz-date': amzDate,
      'x-amz-security-token': artifact.sessionToken!,
      'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      'x-amz-decoded-content-length': String(chunks.reduce((total, chunk) => total + chunk.length, 0)),
      'x-amz-trailer': 'x-amz-checksum-sha256',
      'content-encoding': 'aws-chunked',
    };
    const names = Object.keys(headers).sort();
    const canonical = ['PUT', url.pathname, '', ...names.map(name => `${name}:${headers[name]}`), '', names.join(';'), headers['x-amz-content-sha256']].join('\n');
    const key = [amzDate.slice(0, 8), 'us-east-1', 's3', 'aws4_request'].reduce<Buffer>((previous, part) => hmac(previous, part), Buffer.from(`AWS4${artifact.secretAccessKey}`));
    let signature = hmac(key, ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')).toString('hex');
    const authorization = `AWS4-HMAC-SHA256 Credential=${artifact.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
    const parts: Buffer[] = [];
    for (const chunk of [...chunks, Buffer.alloc(0)]) {
      signature = hmac(key, ['AWS4-HMAC-SHA256-PAYLOAD', amzDate, scope, signature, sha256(''), sha256(chunk)].join('\n')).toString('hex');
      parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), chunk, Buffer.from(chunk.length > 0 ? '\r\n' : ''));
    }
    const checksum = createHash('sha256').update(Buffer.concat(chunks)).digest('base64');
    const trailer = `x-amz-checksum-sha256:${checksum}\n`;
    const trailerSignature = hmac(key, ['AWS4-HMAC-SHA256-TRAILER', amzDate, scope, signature, sha256(trailer)].join('\n')).toString('hex');
    parts.push(Buffer.from(`x-amz-checksum-sha256:${checksum}\r\nx-amz-trailer-signature:${trailerSignature}\r\n\r\n`));
    const body = (tamper ?? (unchanged => unchanged))(Buffer.concat(parts));
    return new Promise((resolve, reject) => {
      const request = http.request(url, { method: 'PUT', headers: { ...headers, 'authorization': authorization, 'content-length': String(body.length) } }, response => {
        response.resume();
        resolve(response.statusCode!);
      });
      request.on('error', reject);
      request.end(body);
    });
  }

  const chunks = [Buffer.alloc(8192, 'a'), Buffer.from('the last chunk')];

  test('a body whose chunk signatures chain from the request\'s is stored', async () => {
    expect(await putSigned(chunks)).toBe(200);
    expect(endpoint.readObject(BUCKET, 'signed-chunks')).toEqual(Buffer.concat(chunks));
  });

  test('a chunk changed on the way is SignatureDoesNotMatch, and so is a changed trailer', async () => {
    expect(await putSigned(chunks, body => Buffer.from(body.toString('latin1').replace('the last chunk', 'the last chunK'), 'latin1'))).toBe(403);
    expect(await putSigned(chunks, body => Buffer.from(body.toString('latin1').replace(/x-amz-trailer-signature:[0-9a-f]{4}/, 'x-amz-trailer-signature:0000'), 'latin1'))).toBe(403);
  });
});

test('stop() while uploads are still arriving waits for them, then removes every object file', async () => {
  // Cut uploads may still be opening their files when the server closes. Removing the directory
  // before they settle failed with ENOTEMPTY in a busy CI run; many stored objects widen that window.
  const seed = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'seed-')), 'object');
  fs.writeFileSync(seed, 'stored');
  for (let round = 0; round < 5; round++) {
    const own = await LoopbackS3Endpoint.start({ buckets: [BUCKET], credentials: [artifact] });
    for (let index = 0; index < 2000; index++) {
      await own.seedObject(BUCKET, `stored-${index}`, seed);
    }
    const directory = path.dirname(own.objectFile(BUCKET, 'stored-0')!);
    const s3 = new S3Client({ endpoint: own.endpoint, region: 'us-east-1', credentials: artifact, maxAttempts: 1 });
    let stopping = false;
    const uploads = Array.from({ length: 16 }, async (_, index) => {
      while (!stopping) {
        await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `new-${index}`, Body: 'x'.repeat(1000) })).catch(() => undefined);
      }
    });
    await new Promise(resolve => setTimeout(resolve, 50 + round * 7));
    const stopped = await own.stop().then(() => 'stopped', (error: Error) => error.message);
    stopping = true;
    expect(stopped).toBe('stopped');
    expect(fs.existsSync(directory)).toBe(false);
    await Promise.all(uploads);
    s3.destroy();
  }
  fs.rmSync(path.dirname(seed), { recursive: true });
});

import { createHash, createHmac, Hash, Hmac } from 'crypto';
import * as http from 'http';
// eslint-disable-next-line import/no-extraneous-dependencies -- comes with the AWS SDK v3 clients the harness needs (README, testing)
import { SignatureV4 } from '@smithy/signature-v4';

/** Credentials an endpoint knows, and whose they are. */
export interface KnownCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** When they stop working, as STS credentials do. */
  readonly expiresAt?: number;
  /** Who signs with them: `artifact` (the job's artifactCredentials), `function` (the function's role) or `reporter` (the step's failure reporter's role). */
  readonly principal: 'artifact' | 'function' | 'reporter';
}

/** Why a request's signature was refused; endpoints turn these into their service's error codes. */
export type SignatureProblem = 'missing' | 'malformed' | 'unknown-key' | 'invalid-token' | 'expired' | 'skewed' | 'mismatch';

export type SignatureCheck =
  | { readonly ok: true; readonly credentials: KnownCredentials; readonly service: string }
  | { readonly ok: false; readonly problem: SignatureProblem; readonly detail: string; readonly service?: string };

/** How far a request's date may be from the server's clock, as AWS allows. */
const MAX_CLOCK_SKEW_MILLIS = 15 * 60_000;
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * Checks a request's AWS Signature Version 4 (the Authorization header) by signing the same
 * canonical request again with the SDK's own signer and the secret of the access key it names.
 * `payload` is the body the signature covers when the request carries no x-amz-content-sha256.
 */
export async function verifySignature(
  request: http.IncomingMessage,
  knownCredentials: readonly KnownCredentials[],
  options: { readonly payload?: string; readonly uriEscapePath: boolean },
): Promise<SignatureCheck> {
  const authorization = header(request, 'authorization');
  if (!authorization) {
    return { ok: false, problem: 'missing', detail: 'the request carries no Authorization header' };
  }
  const parsed = AUTHORIZATION.exec(authorization);
  if (!parsed) {
    return { ok: false, problem: 'malformed', detail: 'the Authorization header is not an AWS4-HMAC-SHA256 signature' };
  }
  const [, accessKeyId, shortDate, region, service, signedHeaderList, signature] = parsed;
  const credentials = knownCredentials.find(known => known.accessKeyId === accessKeyId);
  if (!credentials) {
    return { ok: false, problem: 'unknown-key', service, detail: `access key ${accessKeyId} is not one this run issued` };
  }
  if (credentials.sessionToken !== header(request, 'x-amz-security-token')) {
    return { ok: false, problem: 'invalid-token', service, detail: 'the x-amz-security-token header does not match the access key' };
  }
  if (credentials.expiresAt !== undefined && credentials.expiresAt <= Date.now()) {
    return { ok: false, problem: 'expired', service, detail: `the credentials expired at ${new Date(credentials.expiresAt).toISOString()}` };
  }
  const amzDate = header(request, 'x-amz-date') ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(shortDate)) {
    return { ok: false, problem: 'malformed', service, detail: 'the x-amz-date header is missing or does not match the credential scope' };
  }
  if (Math.abs(signingDate.getTime() - Date.now()) > MAX_CLOCK_SKEW_MILLIS) {
    return { ok: false, problem: 'skewed', service, detail: `the request was signed at ${signingDate.toISOString()}, more than 15 minutes from the server's time` };
  }
  const signedHeaders = signedHeaderList.split(';');
  const url = new URL(request.url ?? '/', 'http://loopback');
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    region,
    service,
    sha256: Sha256,
    uriEscapePath: options.uriEscapePath,
    applyChecksum: false,
  });
  const resigned = await signer.sign({
    method: request.method ?? 'GET',
    protocol: 'http:',
    hostname: url.hostname,
    path: rawPath(request.url ?? '/'),
    query: rawQuery(request.url ?? '/'),
    headers: Object.fromEntries(signedHeaders.map(name => [name, header(request, name) ?? ''])),
    body: options.payload,
  }, { signingDate, signableHeaders: new Set(signedHeaders) });
  const expected = AUTHORIZATION.exec(String(resigned.headers.authorization));
  if (!expected || expected[6] !== signature || expected[5] !== signedHeaderList) {
    return { ok: false, problem: 'mismatch', service, detail: 'the signature does not match the one computed from the request and the secret key' };
  }
  return { ok: true, credentials, service };
}

/** What a signed aws-chunked body's chunks are signed with: the request's signing key and scope, and its signature as the seed. */
export interface ChunkSigning {
  readonly signingKey: Buffer;
  readonly amzDate: string;
  readonly scope: string;
  readonly seedSignature: string;
}

/** The chunk signing of a request whose Authorization header verifySignature accepted with `credentials`. */
export function chunkSigningOf(request: http.IncomingMessage, credentials: KnownCredentials): ChunkSigning {
  const [, , shortDate, region, service, , signature] = AUTHORIZATION.exec(header(request, 'authorization') ?? '')!;
  const signingKey = [shortDate, region, service, 'aws4_request']
    .reduce((key, part) => createHmac('sha256', key).update(part).digest(), Buffer.from(`AWS4${credentials.secretAccessKey}`));
  return { signingKey, amzDate: header(request, 'x-amz-date') ?? '', scope: `${shortDate}/${region}/${service}/aws4_request`, seedSignature: signature };
}

/** A chunk's signature (SigV4 streaming): over the previous signature and the chunk's SHA-256. */
export function chunkSignature(signing: ChunkSigning, previousSignature: string, chunkSha256: string): string {
  return sign(signing, ['AWS4-HMAC-SHA256-PAYLOAD', signing.amzDate, signing.scope, previousSignature, EMPTY_SHA256, chunkSha256]);
}

/** The trailer's signature (SigV4 streaming with trailers): over the last chunk's signature and the canonical trailers (`name:value\n` each). */
export function trailerSignature(signing: ChunkSigning, previousSignature: string, canonicalTrailers: string): string {
  return sign(signing, ['AWS4-HMAC-SHA256-TRAILER', signing.amzDate, signing.scope, previousSignature, createHash('sha256').update(canonicalTrailers).digest('hex')]);
}

const EMPTY_SHA256 = createHash('sha256').digest('hex');

function sign(signing: ChunkSigning, stringToSign: string[]): string {
  return createHmac('sha256', signing.signingKey).update(stringToSign.join('\n')).digest('hex');
}

/** The service a request was signed for, read from its credential scope (no verification). */
export function signedService(request: http.IncomingMessage): string | undefined {
  return AUTHORIZATION.exec(header(request, 'authorization') ?? '')?.[4];
}

export function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return match ? new Date(`${match[1]}-${match[2]}-${match[3]}T${match[4]}:${match[5]}:${match[6]}Z`) : undefined;
}

function rawPath(url: string): string {
  const end = url.indexOf('?');
  return end < 0 ? url : url.slice(0, end);
}

/** The query as the client wrote it, decoded once: the signer encodes it again into the canonical query. */
function rawQuery(url: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const start = url.indexOf('?');
  if (start < 0) {
    return query;
  }
  for (const pair of url.slice(start + 1).split('&').filter(Boolean)) {
    const equals = pair.indexOf('=');
    const name = decodeURIComponent(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? '' : decodeURIComponent(pair.slice(equals + 1));
    const previous = query[name];
    query[name] = previous === undefined ? value : [previous, value].flat();
  }
  return query;
}

/** The hash constructor the signer takes: SHA-256, or HMAC-SHA256 when given a key. */
class Sha256 {
  private hash: Hash | Hmac;

  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }

  public update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }

  public async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }

  public reset(): void {
    this.hash = this.fresh();
  }

  private fresh(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(this.secret));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') {
    return Buffer.from(data, 'utf8');
  }
  return ArrayBuffer.isView(data) ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : Buffer.from(data);
}

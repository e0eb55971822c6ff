import { App, AppProps, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';

/** An asset hash as the CDK writes it: 64 hex digits. */
const ASSET_HASH = /[0-9a-f]{64}/g;
export const MASKED_ASSET_HASH = '[ASSET HASH]';

/**
 * The stack's template for a snapshot: every asset hash (the function code's S3Key, asset paths in
 * metadata) replaced with `[ASSET HASH]`. Asset hashes change when the bundled code does (a new
 * esbuild, a changed dependency) without the template's meaning changing; everything else is kept.
 */
export function templateForSnapshot(stack: Stack): Record<string, unknown> {
  return maskAssetHashes(Template.fromStack(stack).toJSON()) as Record<string, unknown>;
}

/** A jest snapshot serializer with the same masking, for snapshots of whole templates or parts of them. */
export const assetHashSerializer = {
  test: (value: unknown): boolean => typeof value === 'string' && new RegExp(ASSET_HASH.source).test(value),
  serialize: (value: string): string => JSON.stringify(value.replace(ASSET_HASH, MASKED_ASSET_HASH)),
};

/**
 * An App that skips asset bundling (CDK's `aws:cdk:bundling-stacks` context set to none), for
 * snapshot tests that look at templates, not at bundled code: synthesis without esbuild runs, and
 * `templateForSnapshot` gives the same template as with bundling.
 */
export function appWithoutBundling(props: AppProps = {}): App {
  return new App({ ...props, context: { ...props.context, 'aws:cdk:bundling-stacks': [] } });
}

function maskAssetHashes(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.replace(ASSET_HASH, MASKED_ASSET_HASH);
  }
  if (Array.isArray(value)) {
    return value.map(maskAssetHashes);
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [maskAssetHashes(key) as string, maskAssetHashes(item)]));
  }
  return value;
}

/**
 * The packages a local run needs besides this one: the AWS SDK the Lambda Node.js runtime provides,
 * which the package cannot depend on (see .projenrc.ts), and the signer that comes with it.
 */
export const SDK_PACKAGES = ['@aws-sdk/client-codepipeline', '@aws-sdk/client-s3', '@smithy/signature-v4'];

/** What a Node.js project runs to have them (the signer comes with the clients). */
export const SDK_INSTALL_COMMAND = 'npm install --save-dev @aws-sdk/client-codepipeline @aws-sdk/client-s3';

/** The SDK packages this installation cannot load. */
export function missingSdkPackages(): string[] {
  return SDK_PACKAGES.filter(name => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

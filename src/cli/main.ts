#!/usr/bin/env node
/**
 * `cdk-lambda-invoke-step`: list and run the LambdaInvokeSteps of a cloud assembly on this machine,
 * for CDK apps in every language (they all make the same cloud assembly). A thin layer over
 * cdk-lambda-invoke-step/testing.
 */
import { Command, CommanderError, Option } from 'commander';
import { listSteps, runStepCommand, RunCommandOptions, UsageError } from './commands';
import { RUNTIME_FAMILIES } from '../testing/cli-surface';

/** Exit codes: what a pipeline would do with the step, and the CLI's own failures. */
const EXIT = { succeeded: 0, jobFailed: 1, noResult: 2 } as const;

const collect = (value: string, previous: string[] = []) => [...previous, value];

function program(): Command {
  const cli = new Command('cdk-lambda-invoke-step')
    .description('List and run the LambdaInvokeSteps of a CDK cloud assembly on this machine, against S3 and CodePipeline endpoints on 127.0.0.1')
    .exitOverride()
    .showHelpAfterError();
  const app = new Option('--app <app>', 'a cloud assembly directory, or a command that synthesizes one (as the CDK CLI takes it)').default('cdk.out');

  cli.command('list')
    .description('every step in the assembly: its construct path, its action\'s path, its function\'s runtime and whether it can run locally')
    .addOption(app)
    .action(async (options: { app: string }) => {
      process.stdout.write(listSteps(options.app));
    });

  const run = cli.command('run')
    .description('run one step end to end, as its pipeline action would invoke it')
    .addOption(app)
    .requiredOption('--step <path>', 'the step\'s construct path (PipelineStack/SmokeTest), or <pipeline path>/<stage>/<action>')
    .option('--input <name=path>', 'an input artifact: a directory or a .zip (repeatable)', collect)
    .option('--output-dir <dir>', 'write each output artifact\'s files under <dir>/<artifact name>/')
    .option('--user-parameters <string>', 'the action\'s UserParameters instead of the synthesized ones')
    .option('--variable <namespace.name=value>', 'the value of a CodePipeline variable the UserParameters use (repeatable)', collect)
    .option('--layer <arn=directory>', 'the content of a layer the function names by ARN (repeatable)', collect)
    .option('--event <file>', 'a CodePipeline job event (JSON) to send instead of the one the action would get, such as `sam local generate-event codepipeline job`\'s')
    .option('--timeout <seconds>', 'the function\'s timeout instead of the synthesized one')
    .option('--json', 'print one JSON object instead of a summary')
    .action(async (options: RunCommandOptions) => {
      process.exitCode = await runStepCommand(options);
    });
  // Each runtime family's own options (runtimes.ts), named as the runner options they set.
  for (const option of RUNTIME_FAMILIES.flatMap(family => family.cliOptions)) {
    const added = new Option(option.flags, option.description);
    run.addOption(option.choices ? added.choices(option.choices) : added);
  }
  return cli;
}

async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; any other usage error has been printed by commander.
      return error.exitCode === 0 ? 0 : EXIT.noResult;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`cdk-lambda-invoke-step: ${error.message}\n`);
      return EXIT.noResult;
    }
    throw error;
  }
}

main(process.argv).then(code => {
  process.exitCode = code;
}, (error: Error) => {
  process.stderr.write(`cdk-lambda-invoke-step: ${error.message}\n`);
  process.exitCode = EXIT.noResult;
});

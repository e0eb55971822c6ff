import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import type { Invoker } from './invoker';
import type { FunctionDescription } from './lambda-environment';
import { viaRuntimeApi } from './runtime-api';
import { StepRunError } from '../step-run-error';

/** AWS's Java runtime interface client, on which Lambda's Java runtimes (java17, java21, java25) are built. */
export const JAVA_RUNTIME_CLIENT = { groupId: 'com.amazonaws', artifactId: 'aws-lambda-java-runtime-interface-client', version: '2.10.1' };
const CLIENT_COORDINATES = `${JAVA_RUNTIME_CLIENT.groupId}:${JAVA_RUNTIME_CLIENT.artifactId}:${JAVA_RUNTIME_CLIENT.version}`;
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
const MAIN_CLASS = 'com.amazonaws.services.lambda.runtime.api.client.AWSLambda';

/**
 * The JVM options Lambda's Java runtimes start with that change what a handler sees: the serial
 * collector and the client compiler only, IPv4 first, and java.io open to the runtime client.
 */
const LAMBDA_JVM_OPTIONS = ['-XX:+UseSerialGC', '-XX:+TieredCompilation', '-XX:TieredStopAtLevel=1', '-Xshare:auto',
  '-Djava.net.preferIPv4Stack=true', '--add-opens=java.base/java.io=ALL-UNNAMED'];

const run = promisify(execFile);

/** The Java a run uses, checked once: its command and its major version (`17`). */
export interface JavaInstallation {
  readonly command: string;
  readonly major: string;
}

/** Asks `command` its version; undefined when it cannot be started. */
export async function javaInstallation(command: string): Promise<JavaInstallation | undefined> {
  try {
    // `java -version` writes to stderr: `openjdk version "17.0.15" 2025-04-15`, or "1.8.0_392" before Java 9.
    const { stderr } = await run(command, ['-version'], { timeout: 60_000, env: process.env });
    const version = /version "([^"]+)"/.exec(stderr)?.[1] ?? '';
    const major = version.startsWith('1.') ? version.split('.')[1] : version.split(/[.+-]/)[0];
    return major ? { command, major } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The runtime interface client's class path (its jar and dependencies), from the local Maven
 * repository, or fetched into it by Maven when it is not there yet. Kept in the temporary directory
 * by repository, so that Maven runs once per machine.
 */
export async function javaRuntimeClientClassPath(mavenRepository?: string): Promise<string> {
  const cache = path.join(os.tmpdir(), 'cdk-lambda-invoke-step-java',
    createHash('sha256').update(`${CLIENT_COORDINATES} ${mavenRepository ?? ''}`).digest('hex').slice(0, 16));
  const classPathFile = path.join(cache, 'classpath.txt');
  const cached = fs.existsSync(classPathFile) ? fs.readFileSync(classPathFile, 'utf8').trim() : '';
  if (cached && cached.split(path.delimiter).every(jar => fs.existsSync(jar))) {
    return cached;
  }
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(path.join(cache, 'pom.xml'), [
    '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>',
    '<groupId>local</groupId><artifactId>java-runtime-client</artifactId><version>1</version>',
    `<dependencies><dependency><groupId>${JAVA_RUNTIME_CLIENT.groupId}</groupId><artifactId>${JAVA_RUNTIME_CLIENT.artifactId}</artifactId>`,
    `<version>${JAVA_RUNTIME_CLIENT.version}</version></dependency></dependencies></project>`,
  ].join('\n'));
  const repository = mavenRepository ? [`-Dmaven.repo.local=${path.resolve(mavenRepository)}`] : [];
  const buildClassPath = (offline: boolean) => run('mvn', ['-B', '-q', ...offline ? ['-o'] : [], ...repository,
    `${DEPENDENCY_PLUGIN}:build-classpath`, `-Dmdep.outputFile=${classPathFile}`], { cwd: cache, timeout: 600_000, env: process.env });
  try {
    // The local repository first: a machine without network access may have the client already.
    await buildClassPath(true).catch(() => buildClassPath(false));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'Maven (mvn) is not on PATH'
      : `Maven could not resolve it: ${String((error as { stdout?: string }).stdout ?? (error as Error).message).trim().split('\n').slice(-3).join(' ')}`;
    throw new StepRunError(`A Java function runs on ${CLIENT_COORDINATES}, as Lambda's Java runtimes do, and ${reason}. `
      + `Install Maven and fetch it once: mvn ${repository.join(' ')}${repository.length > 0 ? ' ' : ''}dependency:get -Dartifact=${CLIENT_COORDINATES}`);
  }
  return fs.readFileSync(classPathFile, 'utf8').trim();
}

/**
 * A Java function (java17, java21, java25): the runtime interface client's main class, started in the
 * code's directory (the client takes it as the task root and adds its `lib/*.jar`), against a Runtime
 * API of its own. Layers' jars (/opt/java/lib in Lambda) are on the class path.
 */
export function inJavaProcess(fn: FunctionDescription, java: JavaInstallation, clientClassPath: string): Invoker {
  const classPath = [clientClassPath, ...fn.layerEnvironment?.CLASSPATH?.split(path.delimiter) ?? []].join(path.delimiter);
  return viaRuntimeApi(fn, {
    command: java.command,
    // user.home: Java takes it from the password database, not HOME, and the AWS SDK looks there for ~/.aws.
    telemetryLog: true,
    // The JVM sizes its heap from the memory it sees, a quarter of it at most: in Lambda that is the
    // function's memory size, here the whole machine's. MaxRAM makes it size itself as it does there.
    args: [...LAMBDA_JVM_OPTIONS, `-XX:MaxRAM=${fn.memoryMb}m`, `-Duser.home=${os.tmpdir()}${path.sep}no-aws-home`,
      '-cp', classPath, MAIN_CLASS, fn.handler],
  });
}

/** Said when the JVM is not the function's Java version. */
export function javaVersionWarning(runtime: string, java: JavaInstallation): string | undefined {
  const wanted = runtime.replace(/^java/, '');
  return java.major === wanted ? undefined
    : `The function's runtime is ${runtime}, but the handler ran on Java ${java.major} (${java.command}): pass \`java\` (with the CLI, --java <command>) to run it on Java ${wanted}`;
}

// Runs a bundled handler once in this process and prints its duration and peak memory as JSON.
// Usage (bundled by measure.ts): node measure-handler.js <bundle.js> <event.json>
import * as fs from 'fs';
import { lambdaContext } from '../../src/testing/lambda-context';

/**
 * Peak resident memory of this process, in bytes. VmHWM belongs to the address space exec
 * created; getrusage's maxRSS would also count the parent's memory at fork time.
 */
function peakRss(): number {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)![1]) * 1024;
}

async function main() {
  const [bundle, eventFile] = process.argv.slice(2);
  const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
  // The time counts loading the bundle, as a cold start does (a pipeline's step mostly starts
  // cold, and Lambda bills its init): handlers that load the SDK at import and handlers that
  // load it on first use then pay for the same work.
  const started = process.hrtime.bigint();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle to measure, chosen at run time
  const { handler } = require(bundle);
  // The memory growth is the invocation's own.
  const rssBefore = process.memoryUsage().rss;
  await handler(event, lambdaContext(15 * 60_000, 'measure'));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peak = peakRss();
  process.stdout.write(JSON.stringify({ seconds, rssBefore, peakRss: peak, growth: Math.max(peak - rssBefore, 0) }) + '\n');
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

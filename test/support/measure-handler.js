// Runs a bundled handler once in this process and prints its duration and peak memory as JSON.
// Usage: node measure-handler.js <bundle.js> <event.json>
const fs = require('fs');

/**
 * Peak resident memory of this process, in bytes. VmHWM belongs to the address space exec
 * created; getrusage's maxRSS would also count the parent's memory at fork time.
 */
function peakRss() {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)[1]) * 1024;
}

async function main() {
  const [bundle, eventFile] = process.argv.slice(2);
  const { handler } = require(bundle);
  const event = JSON.parse(fs.readFileSync(eventFile, 'utf8'));
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  const deadline = Date.now() + 15 * 60_000;
  await handler(event, { awsRequestId: 'measure', getRemainingTimeInMillis: () => deadline - Date.now() });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peak = peakRss();
  process.stdout.write(JSON.stringify({ seconds, rssBefore, peakRss: peak, growth: Math.max(peak - rssBefore, 0) }) + '\n');
}

main().catch(error => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

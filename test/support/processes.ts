import * as fs from 'fs';

/** Whether a process runs: a killed one is gone, or a zombie until whoever adopted it reaps it. */
export function isRunning(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

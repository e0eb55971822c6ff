import { fileURLToPath } from 'url';

/** The files the stack frames in `lines` name, as paths (ES modules' frames give file: URLs). */
export function stackFrameFiles(lines: readonly string[]): string[] {
  return lines.flatMap(line => [...line.matchAll(/\(([^()]+):\d+:\d+\)/g)])
    .map(match => match[1].startsWith('file:') ? fileURLToPath(match[1]) : match[1]);
}

import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.join(__dirname, '..', '..');

/**
 * The `@default` of a property's doc comment in a source file (up to the end of its line), so that
 * a test can hold it to what the code does.
 */
export function documentedDefault(file: string, property: string): string {
  const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const doc = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*?)\\*/\\s*readonly ${property}\\?:`).exec(source)?.[1];
  const value = doc && /@default (.+?)(?:\s*\*\/)?$/m.exec(doc)?.[1];
  if (!value) {
    throw new Error(`${property} has no @default in ${file}`);
  }
  return value.trim();
}

/**
 * The text with every secret's value replaced by `placeholder(name)`, so that no log line, reported
 * message or printed result carries it. The function's runtime and the local harness both redact
 * with it; each names the replacement its readers expect.
 */
export function redact(
  text: string,
  secrets: Readonly<Record<string, string | undefined>>,
  placeholder: (name: string) => string = name => `<${name}>`,
): string {
  return Object.entries(secrets).reduce((redacted, [name, value]) => value ? redacted.split(value).join(placeholder(name)) : redacted, text);
}

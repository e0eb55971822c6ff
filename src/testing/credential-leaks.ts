/** A secret of the run found where it must never be: which secret and where, never its value. */
export interface CredentialLeak {
  /** Which secret, e.g. `artifactCredentials.secretAccessKey`. */
  readonly secret: string;
  /** `log` for a logged line, or the CodePipeline operation whose request carried it. */
  readonly where: string;
  /** For a log line, its number in `logs` (1 is the first line). */
  readonly line?: number;
}

/** Finds the run's secrets in its logs and in what the step sent CodePipeline. */
export function findCredentialLeaks(
  secrets: Readonly<Record<string, string | undefined>>,
  logs: readonly string[],
  requests: ReadonlyArray<{ readonly operation: string; readonly body: string }>,
): CredentialLeak[] {
  const named = Object.entries(secrets).filter((entry): entry is [string, string] => !!entry[1]);
  return [
    ...logs.flatMap((text, index) => named.filter(([, value]) => text.includes(value)).map(([secret]) => ({ secret, where: 'log', line: index + 1 }))),
    ...requests.flatMap(request => named
      .filter(([, value]) => request.body.includes(value))
      .map(([secret]) => ({ secret, where: request.operation }))),
  ];
}


export function describeLeaks(leaks: readonly CredentialLeak[]): string {
  return leaks.map(leak => `${leak.secret} in ${leak.where === 'log' ? `log line ${leak.line}` : `the ${leak.where} request`}`).join(', ');
}

// A config that cannot be used: names the file, the key path and what was expected.

export interface ConfigProblem {
  /** Dotted key path, e.g. `axes.x.stepsPerMm` (empty for the document itself). */
  key: string;
  message: string;
}

/** Thrown when a config or board file is refused; its message lists every problem. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: invalid config\n` +
        problems.map((p) => `  - ${p.key === '' ? '(top level)' : p.key}: ${p.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

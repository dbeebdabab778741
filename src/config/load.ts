// Reads a YAML file and validates it against a zod schema, turning every problem into a
// ConfigError that names the file, the key and what was expected.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigProblem } from './errors.js';
import { machineConfigSchema, type MachineConfig } from './schema.js';

/** Validates plain data (already parsed) against a schema; `file` names its source in errors. */
export function validate<S extends z.ZodType>(schema: S, data: unknown, file: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const problems: ConfigProblem[] = [];
  for (const issue of result.error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ key: base === '' ? key : `${base}.${key}`, message: 'unknown key' });
      }
    } else {
      problems.push({ key: base, message: issue.message });
    }
  }
  throw new ConfigError(file, problems);
}

/** Parses YAML text; syntax errors become a ConfigError with the line. */
export function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => ({ key: '', message: `YAML syntax: ${e.message.split('\n')[0]}` })),
    );
  }
  return doc.toJS() ?? {};
}

/** Reads and validates a YAML file against a schema. */
export function loadYamlFile<S extends z.ZodType>(schema: S, file: string): z.output<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, [{ key: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  return validate(schema, parseYaml(text, file), file);
}

/** The machine config from a file, or all defaults (the simulator) when none is given. */
export function loadMachineConfig(file?: string): MachineConfig {
  if (file === undefined) return validate(machineConfigSchema, {}, '(defaults)');
  return withPathsFrom(path.dirname(file), loadYamlFile(machineConfigSchema, file));
}

/**
 * Makes the config's relative folder paths absolute, from the config file's folder, so they
 * do not depend on where the daemon was started. (`board` is resolved where it is opened.)
 */
function withPathsFrom(configDir: string, config: MachineConfig): MachineConfig {
  const jobsDir = config.mqtt.jobsDir;
  if (jobsDir === undefined) return config;
  return { ...config, mqtt: { ...config.mqtt, jobsDir: path.resolve(configDir, jobsDir) } };
}

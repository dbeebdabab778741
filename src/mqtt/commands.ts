// Command payloads: what each `cmd/<name>` accepts, validated with zod before anything reaches
// the machine. A payload that does not parse yields a CommandError and changes nothing.
import { z } from 'zod';
import type { Axis } from '../../motion/types.js';
import type { CommandError, OverrideAction, OverrideTarget } from '../machine/types.js';
import { describeIssues } from './payload-issues.js';

/** The commands a machine answers under `cmd/`. */
export const COMMAND_NAMES = [
  'gcode',
  'job',
  'hold',
  'resume',
  'reset',
  'estop',
  'unlock',
  'door',
  'spindleStop',
  'home',
  'jog',
  'override',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/**
 * Error codes of the MQTT layer itself. Grbl's own codes (1..38 errors, 1..10 alarms) come
 * back unchanged from the machine; these sit apart in the 900s so the two never collide.
 */
export const MqttErrorCode = {
  badJson: 901,
  invalidPayload: 902,
  payloadTooLarge: 903,
  unknownCommand: 904,
  notAllowed: 905,
  fileUnreadable: 906,
  /** The machine threw instead of answering: a bug, reported rather than crashing. */
  internal: 907,
  /** A job for a machine that is running one (refused before its payload is read). */
  busy: 908,
} as const;

/** Largest payload accepted by any command but `job` (a job is a whole G-code file). */
export const MAX_COMMAND_PAYLOAD_BYTES = 1024 * 1024;
/** Largest `job` payload. */
export const MAX_JOB_PAYLOAD_BYTES = 64 * 1024 * 1024;

/** Where a job's G-code comes from. */
export type JobRequest = { name?: string; gcode: string } | { name?: string; file: string };

export type ParsedCommand =
  | { name: 'gcode'; text: string }
  | { name: 'job'; job: JobRequest }
  | { name: 'hold' | 'resume' | 'reset' | 'estop' | 'unlock' | 'door' | 'spindleStop' }
  | { name: 'home'; axes?: Axis[] }
  | { name: 'jog'; line: string }
  | { name: 'jogCancel' }
  | { name: 'override'; target: OverrideTarget; action: OverrideAction };

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: CommandError };

const jobName = z.string().trim().min(1).max(200);
const gcodeText = z.string().refine((text) => text.trim() !== '', 'no G-code');

const jobSchema = z.union([
  z.strictObject({ name: jobName.optional(), gcode: gcodeText }),
  z.strictObject({ name: jobName.optional(), file: z.string().min(1) }),
]);

const gcodeSchema = z.strictObject({ gcode: gcodeText });

const homeSchema = z.strictObject({
  axes: z
    .array(z.enum(['x', 'y', 'z']))
    .min(1)
    .optional(),
});

const distMm = z.number().finite();
const jogSchema = z.union([
  z.strictObject({ line: z.string().trim().min(1) }),
  z.strictObject({ cancel: z.literal(true) }),
  z
    .strictObject({
      xMm: distMm.optional(),
      yMm: distMm.optional(),
      zMm: distMm.optional(),
      feedMmMin: z.number().positive().finite(),
      relative: z.boolean().default(true),
    })
    .refine((j) => j.xMm !== undefined || j.yMm !== undefined || j.zMm !== undefined, {
      message: 'at least one of xMm, yMm, zMm',
    }),
]);

const stepAction = z.enum(['reset', 'coarseUp', 'coarseDown', 'fineUp', 'fineDown']);
// Keyed by target, so a wrong action is reported against the target it was meant for.
const overrideSchema = z.discriminatedUnion('target', [
  z.strictObject({ target: z.enum(['feed', 'spindle']), action: stepAction }),
  z.strictObject({ target: z.literal('rapid'), action: z.literal(['reset', 25, 50, 100]) }),
]);

/** An empty body, `{}`, or Home Assistant's default button payload `PRESS`. */
const noArgument = (text: string): boolean => {
  const trimmed = text.trim();
  return trimmed === '' || trimmed === 'PRESS' || /^\{\s*\}$/.test(trimmed);
};

function invalid(message: string): { ok: false; error: CommandError } {
  return { ok: false, error: { code: MqttErrorCode.invalidPayload, message } };
}

function looksLikeJson(text: string): boolean {
  const first = text.trimStart()[0];
  return first === '{' || first === '[' || first === '"';
}

function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return {
      ok: false,
      error: { code: MqttErrorCode.badJson, message: `bad JSON: ${(err as Error).message}` },
    };
  }
}

function validateWith<S extends z.ZodType>(schema: S, data: unknown): Parsed<z.output<S>> {
  const result = schema.safeParse(data);
  if (result.success) return { ok: true, value: result.data };
  return invalid(describeIssues(result.error.issues));
}

/** Parses JSON text against a schema: bad JSON and wrong shapes become distinct errors. */
function parseJsonWith<S extends z.ZodType>(schema: S, text: string): Parsed<z.output<S>> {
  const json = parseJson(text);
  return json.ok ? validateWith(schema, json.value) : json;
}

/** The largest payload `name` accepts, in bytes. */
export function maxPayloadBytes(name: string): number {
  return name === 'job' ? MAX_JOB_PAYLOAD_BYTES : MAX_COMMAND_PAYLOAD_BYTES;
}

/** True for a name in COMMAND_NAMES. */
export function isCommandName(name: string): name is CommandName {
  return (COMMAND_NAMES as readonly string[]).includes(name);
}

/** A job payload: raw G-code text, or JSON `{gcode, name?}` or `{file, name?}`. */
export function parseJobPayload(payload: Buffer): Parsed<JobRequest> {
  const text = payload.toString('utf8');
  if (looksLikeJson(text)) return parseJsonWith(jobSchema, text);
  if (text.trim() === '') return invalid('empty job');
  return { ok: true, value: { gcode: text } };
}

function parseJog(text: string): Parsed<ParsedCommand> {
  if (!looksLikeJson(text)) {
    // A bare jog line, with or without Grbl's `$J=` prefix.
    const line = text.trim().replace(/^\$J=/i, '');
    return line === '' ? invalid('empty jog line') : { ok: true, value: { name: 'jog', line } };
  }
  const jog = parseJsonWith(jogSchema, text);
  if (!jog.ok) return jog;
  const value = jog.value;
  if ('line' in value) {
    return { ok: true, value: { name: 'jog', line: value.line.replace(/^\$J=/i, '') } };
  }
  if ('cancel' in value) return { ok: true, value: { name: 'jogCancel' } };
  const words = [value.relative ? 'G91' : 'G90', 'G21'];
  if (value.xMm !== undefined) words.push(`X${value.xMm}`);
  if (value.yMm !== undefined) words.push(`Y${value.yMm}`);
  if (value.zMm !== undefined) words.push(`Z${value.zMm}`);
  words.push(`F${value.feedMmMin}`);
  return { ok: true, value: { name: 'jog', line: words.join(' ') } };
}

/** Parses the payload of `cmd/<name>`; the size limit is checked by the caller. */
export function parseCommand(name: CommandName, payload: Buffer): Parsed<ParsedCommand> {
  const text = payload.toString('utf8');
  switch (name) {
    case 'gcode': {
      if (!looksLikeJson(text)) {
        return text.trim() === ''
          ? invalid('no G-code')
          : { ok: true, value: { name: 'gcode', text } };
      }
      const parsed = parseJsonWith(gcodeSchema, text);
      return parsed.ok ? { ok: true, value: { name: 'gcode', text: parsed.value.gcode } } : parsed;
    }
    case 'job': {
      const job = parseJobPayload(payload);
      return job.ok ? { ok: true, value: { name: 'job', job: job.value } } : job;
    }
    case 'hold':
    case 'resume':
    case 'reset':
    case 'estop':
    case 'unlock':
    case 'door':
    case 'spindleStop':
      return noArgument(text)
        ? { ok: true, value: { name } }
        : invalid(`${name} takes no argument (send an empty payload or {})`);
    case 'home': {
      if (noArgument(text)) return { ok: true, value: { name: 'home' } };
      const home = parseJsonWith(homeSchema, text);
      return home.ok ? { ok: true, value: { name: 'home', axes: home.value.axes } } : home;
    }
    case 'jog':
      return parseJog(text);
    case 'override': {
      const override = parseJsonWith(overrideSchema, text);
      return override.ok
        ? {
            ok: true,
            value: {
              name: 'override',
              target: override.value.target,
              action: override.value.action,
            },
          }
        : override;
    }
  }
}

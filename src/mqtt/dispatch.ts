// One `cmd/<name>` message in, one reply out: permission, size, payload validation, then the
// machine call. Every failure becomes an error reply; nothing here may throw.
import type { CommandError, CommandResult, MachineApi } from '../machine/types.js';
import {
  isCommandName,
  maxPayloadBytes,
  MqttErrorCode,
  parseCommand,
  type ParsedCommand,
} from './commands.js';
import { resolveJob, startJobConfirmed } from './jobs.js';

/** The body of every reply: `{ok, error?}`, plus one result per line for `gcode`. */
export interface CommandReply {
  ok: boolean;
  error?: CommandError;
  results?: CommandResult[];
}

/** What the config lets through: which commands, and which files a job may name. */
export interface CommandPolicy {
  readOnly: boolean;
  /** When set, only these command names are accepted. */
  allowCommands?: string[];
  /** The folder `{file}` jobs are read from (absolute); unset: `{file}` jobs are refused. */
  jobsDir?: string;
}

/** True when the policy accepts the command `name`. */
export function isAllowed(policy: CommandPolicy, name: string): boolean {
  if (policy.readOnly) return false;
  return policy.allowCommands === undefined || policy.allowCommands.includes(name);
}

function failure(code: number, message: string): CommandReply {
  return { ok: false, error: { code, message } };
}

function fromResult(result: CommandResult): CommandReply {
  return result.ok ? { ok: true } : { ok: false, error: result.error };
}

async function execute(
  machine: MachineApi,
  policy: CommandPolicy,
  command: ParsedCommand,
): Promise<CommandReply> {
  switch (command.name) {
    case 'gcode': {
      const results = await machine.gcode(command.text);
      const failed = results.find((r): r is Extract<CommandResult, { ok: false }> => !r.ok);
      return failed === undefined
        ? { ok: true, results }
        : { ok: false, error: failed.error, results };
    }
    case 'job': {
      const job = await resolveJob(command.job, policy.jobsDir);
      if (!job.ok) return { ok: false, error: job.error };
      return fromResult(await startJobConfirmed(machine, job.value));
    }
    case 'hold':
      return fromResult(machine.hold());
    case 'resume':
      return fromResult(machine.resume());
    case 'reset':
      return fromResult(machine.reset());
    case 'estop':
      return fromResult(machine.estop());
    case 'unlock':
      return fromResult(machine.unlock());
    case 'door':
      return fromResult(machine.openDoor());
    case 'spindleStop':
      return fromResult(machine.toggleSpindleStop());
    case 'home':
      return fromResult(await machine.home(command.axes));
    case 'jog':
      return fromResult(machine.jog(command.line));
    case 'jogCancel':
      return fromResult(machine.jogCancel());
    case 'override':
      return fromResult(machine.override(command.target, command.action));
  }
}

/** Handles one command message and answers with the reply to publish. Never rejects. */
export async function dispatchCommand(
  machine: MachineApi,
  policy: CommandPolicy,
  name: string,
  payload: Buffer,
): Promise<CommandReply> {
  if (!isCommandName(name))
    return failure(MqttErrorCode.unknownCommand, `unknown command: ${name}`);
  if (!isAllowed(policy, name)) {
    return failure(
      MqttErrorCode.notAllowed,
      policy.readOnly ? 'read-only mode: commands are disabled' : `command not allowed: ${name}`,
    );
  }
  // A job for a busy machine is refused before its payload is parsed: parsing megabytes of
  // another client's G-code would stall the event loop under the running job.
  if (name === 'job') {
    const running = machine.status().job;
    if (running !== null) {
      return failure(MqttErrorCode.busy, `busy: job ${running.name} is running`);
    }
  }
  const limitBytes = maxPayloadBytes(name);
  if (payload.length > limitBytes) {
    return failure(
      MqttErrorCode.payloadTooLarge,
      `payload of ${payload.length} bytes exceeds ${limitBytes} bytes`,
    );
  }
  const parsed = parseCommand(name, payload);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  try {
    return await execute(machine, policy, parsed.value);
  } catch (err) {
    return failure(
      MqttErrorCode.internal,
      `${name} failed: ${(err as Error).message ?? String(err)}`,
    );
  }
}

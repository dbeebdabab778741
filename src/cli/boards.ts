// `minifactory boards [NAME]`: list the bundled boards, or print one board's pin map.
import type { Command } from 'commander';
import type { BoardDefinition, InputDef, MotorDef, PinDef } from '../../hal/types.js';
import { listBoards, loadBoard } from '../config/board.js';
import { ConfigError } from '../config/errors.js';

const MOTOR_NAMES = ['x/a', 'y/b', 'z'];

function level(pin: PinDef): string {
  return pin.activeLow ? 'active low' : 'active high';
}

function motorLine(motor: MotorDef, index: number): string {
  const name = MOTOR_NAMES[index] ?? String(index);
  const timing = `pulse ${motor.pulseUs} µs, dir setup ${motor.dirSetupUs} µs`;
  if (motor.coils !== undefined) {
    const { address, ...channels } = motor.coils;
    const chip = address !== undefined ? ` @0x${address.toString(16)}` : '';
    const list = Object.entries(channels)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    return `  ${index} (${name}): coils${chip}: ${list}; ${timing}`;
  }
  const enable =
    motor.enable !== undefined ? `, enable ${motor.enable.pin} (${level(motor.enable)})` : '';
  return (
    `  ${index} (${name}): step ${motor.step.pin} (${level(motor.step)}), ` +
    `dir ${motor.dir.pin}${motor.dir.activeLow ? ' (inverted)' : ''}${enable}; ${timing}`
  );
}

function inputLine(role: string, input: InputDef): string {
  const pull = input.pullUp ? ', pull-up' : '';
  return `  ${role.padEnd(14)} pin ${String(input.pin).padEnd(3)} ${level(input)}${pull}, debounce ${input.debounceUs} µs`;
}

/** I2C addresses read best in hex, as datasheets print them. */
function optionText(key: string, value: string | number | boolean): string {
  return typeof value === 'number' && /address$/i.test(key)
    ? `0x${value.toString(16)}`
    : String(value);
}

/** One board's pin map as text lines. */
export function describeBoard(def: BoardDefinition): string[] {
  const lines = [`${def.name}: ${def.description}`, `backend: ${def.backend}`];
  const options = Object.entries(def.options);
  if (options.length > 0)
    lines.push(`options: ${options.map(([k, v]) => `${k}=${optionText(k, v)}`).join(', ')}`);
  lines.push('motors:', ...def.motors.map(motorLine));
  const inputs = Object.entries(def.inputs) as [string, InputDef][];
  lines.push(inputs.length > 0 ? 'inputs:' : 'inputs: none');
  for (const [role, input] of inputs) lines.push(inputLine(role, input));
  const outputs = Object.entries(def.outputs) as [string, PinDef][];
  lines.push(outputs.length > 0 ? 'outputs:' : 'outputs: none');
  for (const [role, out] of outputs)
    lines.push(`  ${role.padEnd(14)} pin ${String(out.pin).padEnd(3)} ${level(out)}`);
  const pwms = Object.entries(def.pwm);
  lines.push(pwms.length > 0 ? 'pwm:' : 'pwm: none');
  for (const [role, pwm] of pwms) {
    const where = pwm.channel !== undefined ? `channel ${pwm.channel}` : `pin ${pwm.pin}`;
    lines.push(`  ${role.padEnd(14)} ${where}, ${pwm.frequencyHz} Hz`);
  }
  return lines;
}

/** Adds the `boards` subcommand. */
export function registerBoards(program: Command): void {
  program
    .command('boards')
    .argument('[board]', 'a bundled board name or a board file path: print its pin map')
    .description("list the supported boards, or print one board's pin map")
    .action((board: string | undefined) => {
      try {
        if (board === undefined) {
          const boards = listBoards();
          const nameWidth = Math.max(...boards.map((b) => b.name.length));
          for (const b of boards) {
            process.stdout.write(
              `${b.name.padEnd(nameWidth)}  ${b.backend.padEnd(8)}  ${b.description}\n`,
            );
          }
        } else {
          process.stdout.write(describeBoard(loadBoard(board)).join('\n') + '\n');
        }
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        process.exitCode = 2;
      }
    });
}

// Board files (boards/*.yaml): their schema, resolving a board by name or path, and the
// cross-checks zod cannot express (pin ranges per backend, a pin wired twice). Every refusal
// is a ConfigError naming the file, the key path and what was expected.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { openBoardFromDefinition } from '../../hal/index.js';
import type {
  BackendName,
  Board,
  BoardDefinition,
  InputRole,
  MotorDef,
  OutputRole,
  PwmDef,
  PwmRole,
  SimPlantOptions,
} from '../../hal/types.js';
import { ConfigError, type ConfigProblem } from './errors.js';
import { parseYaml, validate } from './load.js';
import type { MachineConfig } from './schema.js';
import { simPlantFromConfig } from './sim-plant.js';

/** The bundled board files: <project>/boards. */
export const BOARDS_DIR = fileURLToPath(new URL('../../boards/', import.meta.url));

const BACKEND_NAMES = ['sim', 'pigpio', 'gpiochip', 'i2c', 'firmata'] as const;
/** Motors every board must drive, in kinematic order. */
export const REQUIRED_MOTORS = ['x (or CoreXY a)', 'y (or CoreXY b)', 'z'] as const;

const pinNumber = z.number().int('an integer pin number');

const pinSchema = z.strictObject({
  pin: pinNumber,
  activeLow: z.boolean().default(false),
});

const inputSchema = z.strictObject({
  pin: pinNumber,
  activeLow: z.boolean().default(false),
  pullUp: z.boolean().default(false),
  /** Glitch filter, µs. */
  debounceUs: z.number().nonnegative().default(0),
});

const channel = z.number().int('an integer channel').min(0).max(15, 'a PCA9685 channel 0..15');

const coilSchema = z.strictObject({
  address: z.number().int().min(0x03).max(0x77).optional(),
  pwmA: channel,
  ain1: channel,
  ain2: channel,
  pwmB: channel,
  bin1: channel,
  bin2: channel,
});

const motorSchema = z
  .strictObject({
    step: pinSchema.optional(),
    dir: pinSchema.optional(),
    enable: pinSchema.optional(),
    pulseUs: z.number().positive(),
    dirSetupUs: z.number().nonnegative(),
    coils: coilSchema.optional(),
  })
  .superRefine((motor, ctx) => {
    if (motor.coils !== undefined) {
      if (motor.step !== undefined || motor.dir !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['coils'],
          message: 'a motor has either step/dir pins or coils, not both',
        });
      }
      return;
    }
    for (const key of ['step', 'dir'] as const) {
      if (motor[key] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `required: the driver's ${key} pin (or coils for a coil-driven motor)`,
        });
      }
    }
  });

const pwmSchema = z
  .strictObject({
    pin: pinNumber.optional(),
    channel: channel.optional(),
    frequencyHz: z.number().positive().default(1000),
  })
  .refine((pwm) => pwm.pin !== undefined || pwm.channel !== undefined, {
    message: 'required: pin (or channel on a PCA9685)',
  });

const inputsSchema = z
  .strictObject({
    limitX: inputSchema.optional(),
    limitY: inputSchema.optional(),
    limitZ: inputSchema.optional(),
    probe: inputSchema.optional(),
    estop: inputSchema.optional(),
    door: inputSchema.optional(),
    hold: inputSchema.optional(),
    resume: inputSchema.optional(),
    reset: inputSchema.optional(),
  } satisfies Record<InputRole, unknown>)
  .prefault({});

const outputsSchema = z
  .strictObject({
    enable: pinSchema.optional(),
    spindleEnable: pinSchema.optional(),
    spindleDir: pinSchema.optional(),
    mist: pinSchema.optional(),
    flood: pinSchema.optional(),
  } satisfies Record<OutputRole, unknown>)
  .prefault({});

const pwmsSchema = z
  .strictObject({ spindle: pwmSchema.optional() } satisfies Record<PwmRole, unknown>)
  .prefault({});

/** The YAML shape of a board file. */
export const boardFileSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and "-"')
    .optional(),
  description: z.string().min(1),
  backend: z.enum(BACKEND_NAMES),
  motors: z
    .array(motorSchema)
    .min(REQUIRED_MOTORS.length, `${REQUIRED_MOTORS.length} motors: ${REQUIRED_MOTORS.join(', ')}`)
    .max(8),
  inputs: inputsSchema,
  outputs: outputsSchema,
  pwm: pwmsSchema,
  options: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
});

type BoardFile = z.output<typeof boardFileSchema>;

/** A pin as the cross-checks see it: where it is used and in which number space. */
interface PinUse {
  key: string;
  pin: number;
  /** Pins collide only within one space (a GPIO header, one chip's channels). */
  space: string;
  kind: 'step' | 'dir' | 'enable' | 'input' | 'output' | 'pwm' | 'coil';
}

/** Arduino Uno pins that have hardware PWM (timers 0, 1, 2). */
const UNO_PWM_PINS = new Set([3, 5, 6, 9, 10, 11]);
/** Arduino Mega 2560 pins with hardware PWM. */
const MEGA_PWM_PINS = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 44, 45, 46]);

/** What a backend accepts as a pin number; undefined when valid, else what was expected. */
function pinProblem(
  backend: BackendName,
  use: PinUse,
  options: BoardFile['options'],
): string | undefined {
  const { pin, kind } = use;
  switch (backend) {
    case 'sim':
      return pin >= 0 ? undefined : 'a pin number >= 0';
    case 'pigpio':
    case 'gpiochip':
      if (pin === 0 || pin === 1) {
        return (
          `a BCM GPIO number 2..27: GPIO ${pin} is reserved for the HAT ID EEPROM (ID_SD/ID_SC)` +
          (backend === 'pigpio' ? ' and the pigpio binding cannot drive GPIO 0 in waves' : '')
        );
      }
      return pin >= 2 && pin <= 27 ? undefined : 'a BCM GPIO number 2..27 (40-pin header)';
    case 'i2c':
      return pin >= 0 && pin <= 15
        ? undefined
        : kind === 'input'
          ? 'an MCP23017 pin 0..15'
          : 'a PCA9685 channel 0..15';
    case 'firmata': {
      const mega = options.mcu === 'mega2560';
      const maxPin = mega ? 69 : 19;
      if (pin < 2 || pin > maxPin) {
        return `an Arduino ${mega ? 'Mega 2560' : 'Uno'} pin 2..${maxPin} (D0/D1 carry the Firmata serial link)`;
      }
      if (kind === 'pwm' && !(mega ? MEGA_PWM_PINS : UNO_PWM_PINS).has(pin)) {
        return `a PWM-capable pin (${[...(mega ? MEGA_PWM_PINS : UNO_PWM_PINS)].join(', ')})`;
      }
      return undefined;
    }
  }
}

/** Every pin a board file wires, with the number space it lives in. */
function pinUses(file: BoardFile): PinUse[] {
  const uses: PinUse[] = [];
  const add = (key: string, pin: number, space: string, kind: PinUse['kind']) =>
    uses.push({ key, pin, space, kind });
  const i2c = file.backend === 'i2c';
  const defaultAddress = typeof file.options.address === 'number' ? file.options.address : 0x40;
  const chip = (address: number) => `pca9685@0x${address.toString(16)}`;
  // On i2c boards outputs are channels of the (first) PCA9685, inputs MCP23017 pins.
  const outSpace = i2c ? chip(defaultAddress) : 'gpio';
  const inSpace = i2c ? 'mcp23017' : 'gpio';
  file.motors.forEach((motor, m) => {
    if (motor.step) add(`motors.${m}.step.pin`, motor.step.pin, outSpace, 'step');
    if (motor.dir) add(`motors.${m}.dir.pin`, motor.dir.pin, outSpace, 'dir');
    if (motor.enable) add(`motors.${m}.enable.pin`, motor.enable.pin, outSpace, 'enable');
    if (motor.coils) {
      const { address, ...channels } = motor.coils;
      for (const [name, ch] of Object.entries(channels)) {
        add(`motors.${m}.coils.${name}`, ch, chip(address ?? defaultAddress), 'coil');
      }
    }
  });
  for (const [role, input] of Object.entries(file.inputs)) {
    if (input) add(`inputs.${role}.pin`, input.pin, inSpace, 'input');
  }
  for (const [role, output] of Object.entries(file.outputs)) {
    if (output)
      add(`outputs.${role}.pin`, output.pin, outSpace, role === 'enable' ? 'enable' : 'output');
  }
  for (const [role, pwm] of Object.entries(file.pwm)) {
    if (!pwm) continue;
    if (i2c && pwm.channel !== undefined) add(`pwm.${role}.channel`, pwm.channel, outSpace, 'pwm');
    else add(`pwm.${role}.pin`, pwm.pin ?? (pwm.channel as number), outSpace, 'pwm');
  }
  return uses;
}

const PIGPIO_SAMPLE_US = [1, 2, 4, 5, 8, 10];

/** Backend options the backends rely on, checked here so a bad one fails at load. */
function optionProblems(file: BoardFile): ConfigProblem[] {
  const o = file.options;
  const problems: ConfigProblem[] = [];
  const expect = (key: string, ok: boolean, what: string) => {
    if (!ok) problems.push({ key: `options.${key}`, message: `expected ${what}` });
  };
  const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  switch (file.backend) {
    case 'pigpio':
      if (o.sampleUs !== undefined) {
        expect(
          'sampleUs',
          PIGPIO_SAMPLE_US.includes(o.sampleUs as number),
          `pigpio's sample clock in µs: one of ${PIGPIO_SAMPLE_US.join(', ')}`,
        );
      }
      break;
    case 'i2c':
      expect('bus', o.bus === undefined || (isInt(o.bus) && o.bus >= 0), 'an I2C bus number >= 0');
      expect(
        'address',
        o.address === undefined || (isInt(o.address) && o.address >= 0x03 && o.address <= 0x77),
        'a 7-bit I2C address 0x03..0x77',
      );
      break;
    case 'firmata':
      expect(
        'port',
        typeof o.port === 'string' && o.port !== '',
        'the serial port, e.g. /dev/ttyACM0',
      );
      expect(
        'mcu',
        o.mcu === undefined || o.mcu === 'uno' || o.mcu === 'mega2560',
        'uno or mega2560',
      );
      break;
    case 'sim':
    case 'gpiochip':
      break;
  }
  for (const key of ['maxStepRateHz', 'pollUs', 'lowWaterUs'] as const) {
    const v = o[key];
    if (v !== undefined) expect(key, typeof v === 'number' && v > 0, 'a number > 0');
  }
  return problems;
}

/** Problems zod cannot see: pins out of range for the backend, a pin wired twice, coils off i2c. */
export function crossCheck(file: BoardFile): ConfigProblem[] {
  const problems: ConfigProblem[] = optionProblems(file);
  file.motors.forEach((motor, m) => {
    if (motor.coils !== undefined && file.backend !== 'i2c') {
      problems.push({
        key: `motors.${m}.coils`,
        message: `coil-driven motors need backend i2c, not ${file.backend}`,
      });
    }
    if (motor.coils === undefined && file.backend === 'i2c') {
      problems.push({
        key: `motors.${m}.coils`,
        message: 'required: backend i2c drives motors by their coils (PCA9685 + TB6612)',
      });
    }
  });
  const seen = new Map<string, PinUse>();
  for (const use of pinUses(file)) {
    const problem = pinProblem(file.backend, use, file.options);
    if (problem !== undefined) {
      problems.push({ key: use.key, message: `pin ${use.pin}: expected ${problem}` });
      continue;
    }
    const id = `${use.space}:${use.pin}`;
    const first = seen.get(id);
    // One enable line may be shared by every driver (and be the 'enable' output).
    if (first !== undefined && !(first.kind === 'enable' && use.kind === 'enable')) {
      problems.push({ key: use.key, message: `pin ${use.pin} is already used by ${first.key}` });
    } else if (first === undefined) {
      seen.set(id, use);
    }
  }
  return problems;
}

function toDefinition(file: BoardFile, fallbackName: string): BoardDefinition {
  const unwired = { pin: -1, activeLow: false };
  const motors: MotorDef[] = file.motors.map((m) => ({
    step: m.step ?? unwired,
    dir: m.dir ?? unwired,
    ...(m.enable !== undefined ? { enable: m.enable } : {}),
    pulseUs: m.pulseUs,
    dirSetupUs: m.dirSetupUs,
    ...(m.coils !== undefined ? { coils: m.coils } : {}),
  }));
  const pwm: Partial<Record<PwmRole, PwmDef>> = {};
  for (const [role, def] of Object.entries(file.pwm) as [PwmRole, BoardFile['pwm']['spindle']][]) {
    if (def === undefined) continue;
    pwm[role] = {
      pin: (def.pin ?? def.channel) as number,
      frequencyHz: def.frequencyHz,
      ...(def.channel !== undefined ? { channel: def.channel } : {}),
    };
  }
  return {
    name: file.name ?? fallbackName,
    description: file.description,
    backend: file.backend,
    motors,
    inputs: file.inputs,
    outputs: file.outputs,
    pwm,
    options: file.options,
  };
}

/** A path as it reads best in messages: relative to cwd when inside it. */
function displayPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Names of the bundled boards (boards/*.yaml), sorted. */
export function bundledBoardNames(): string[] {
  return readdirSync(BOARDS_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** Where a board name or path points: a bare name is a bundled board, anything else a path. */
export function resolveBoardFile(nameOrPath: string, cwd = process.cwd()): string {
  const isName = /^[a-z0-9][a-z0-9-]*$/.test(nameOrPath);
  if (!isName) return path.resolve(cwd, nameOrPath);
  const file = path.join(BOARDS_DIR, `${nameOrPath}.yaml`);
  if (!existsSync(file)) {
    throw new ConfigError(nameOrPath, [
      {
        key: 'board',
        message: `unknown board "${nameOrPath}": expected one of ${bundledBoardNames().join(', ')} or a path to a board file`,
      },
    ]);
  }
  return file;
}

/** Loads, validates and cross-checks a board file by bundled name or path (relative to cwd). */
export function loadBoard(nameOrPath: string, cwd = process.cwd()): BoardDefinition {
  const file = resolveBoardFile(nameOrPath, cwd);
  const shown = displayPath(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(shown, [{ key: '', message: `cannot read: ${(err as Error).message}` }]);
  }
  const parsed = validate(boardFileSchema, parseYaml(text, shown), shown);
  const problems = crossCheck(parsed);
  if (problems.length > 0) throw new ConfigError(shown, problems);
  return toDefinition(parsed, path.basename(file).replace(/\.ya?ml$/, ''));
}

/** One line of `minifactory boards`. */
export interface BoardSummary {
  name: string;
  description: string;
  backend: BackendName;
}

/** Every bundled board, by name. */
export function listBoards(): BoardSummary[] {
  return bundledBoardNames().map((name) => {
    const def = loadBoard(name);
    return { name: def.name, description: def.description, backend: def.backend };
  });
}

/** How to open a machine's board, beyond the config itself. */
export interface MachineBoardOptions {
  /** The simulated plant (board: sim); default: simPlantFromConfig(config). */
  plant?: SimPlantOptions;
  /** Default: config.sim.clock. */
  clock?: 'real' | 'virtual';
  /** Where a relative board path is resolved (the config file's folder); default cwd. */
  configDir?: string;
}

function isPlant(value: SimPlantOptions | MachineBoardOptions): value is SimPlantOptions {
  return 'motorsToAxesMm' in value;
}

/**
 * Opens the board config.board names, its backend loaded on demand. Takes the plant and
 * clock positionally or as MachineBoardOptions; without a plant the simulator's comes from
 * the config (kinematics, travel, sim section).
 */
export async function openMachineBoard(
  config: MachineConfig,
  plantOrOptions?: SimPlantOptions | MachineBoardOptions,
  clock?: 'real' | 'virtual',
): Promise<Board> {
  const options: MachineBoardOptions =
    plantOrOptions === undefined
      ? {}
      : isPlant(plantOrOptions)
        ? { plant: plantOrOptions }
        : plantOrOptions;
  const cwd = options.configDir ?? process.cwd();
  const file = resolveBoardFile(config.board, cwd);
  const def = loadBoard(config.board, cwd);
  const plant = options.plant ?? (def.backend === 'sim' ? simPlantFromConfig(config) : undefined);
  return openBoardFromDefinition(def, {
    boardFile: displayPath(file),
    clock: clock ?? options.clock ?? config.sim.clock,
    ...(plant !== undefined ? { plant } : {}),
  });
}

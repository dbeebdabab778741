// Grbl 1.1 error and alarm numbering, with our own wording, and the GcodeError factory.
import type { GcodeError } from '../types.js';

/** Error codes the G-code parser and interpreter raise, by Grbl 1.1's numbers. */
export const ERR = {
  expectedCommandLetter: 1,
  badNumberFormat: 2,
  invalidStatement: 3,
  negativeValue: 4,
  invalidJogCommand: 16,
  unsupportedCommand: 20,
  modalGroupViolation: 21,
  undefinedFeedRate: 22,
  commandValueNotInteger: 23,
  axisCommandConflict: 24,
  wordRepeated: 25,
  noAxisWords: 26,
  invalidLineNumber: 27,
  valueWordMissing: 28,
  unsupportedCoordSys: 29,
  g53InvalidMotionMode: 30,
  axisWordsExist: 31,
  noAxisWordsInPlane: 32,
  invalidTarget: 33,
  arcRadiusError: 34,
  noOffsetsInPlane: 35,
  unusedWords: 36,
  g43DynamicAxisError: 37,
  maxValueExceeded: 38,
} as const;

/** Grbl 1.1 error codes 1..38 and what each means. */
export const GRBL_ERRORS: Record<number, string> = {
  1: 'Expected a command letter: every G-code word is a letter followed by a number',
  2: 'Bad number format: the word has no value or the value is not a valid number',
  3: "Invalid statement: the '$' system command is unknown or not supported here",
  4: 'Negative value where only a positive value is allowed',
  5: 'Setting disabled: homing is not enabled in the settings',
  6: 'Step pulse time must be at least 3 microseconds',
  7: 'Stored settings could not be read; defaults were restored',
  8: "This '$' command is only accepted while the machine is idle",
  9: 'G-code is locked out while the machine is in alarm or jogging',
  10: 'Soft limits need homing to be enabled',
  11: 'Line too long: maximum characters per line exceeded',
  12: 'Step rate too high for the configured settings',
  13: 'Safety door is open',
  14: 'Build info or startup line too long to store',
  15: 'Jog target is outside the machine travel',
  16: "Invalid jog command: missing '=' or a G-code word not allowed while jogging",
  17: 'Laser mode needs a PWM output',
  20: 'Unsupported or invalid G-code command',
  21: 'Modal group violation: two commands of the same modal group in one block',
  22: 'Feed rate is not set or is zero',
  23: 'This G-code command needs an integer value',
  24: 'Two commands in the block both want the axis words',
  25: 'A word is repeated in the block',
  26: 'No axis words in a block whose command needs them',
  27: 'Line number is out of range',
  28: 'A value word the command needs is missing',
  29: 'Unsupported work coordinate system (only G54..G59, P0..P6)',
  30: 'G53 is only allowed with G0 or G1 motion',
  31: 'Axis words in a block where no command or motion mode uses them',
  32: 'G2/G3 arcs need at least one axis word in the selected plane',
  33: "Invalid motion target (an arc end off the circle, a target equal to the current position, or one beyond the motors' step range)",
  34: 'Arc radius is too small to reach the target',
  35: 'G2/G3 arcs need at least one offset word (I/J/K) in the selected plane',
  36: 'Unused value words in the block',
  37: 'G43.1 dynamic tool length offset takes only the Z axis word',
  38: 'Tool number is larger than the supported maximum (255)',
};

/** Grbl 1.1 alarm codes 1..9, and 10 for e-stop as grblHAL numbers it. */
export const GRBL_ALARMS: Record<number, string> = {
  1: 'Hard limit switch hit: position is probably lost, rehome',
  2: 'Soft limit: the motion target is outside the machine travel; position kept',
  3: 'Reset during motion: position is probably lost, rehome',
  4: 'Probe fail: the probe was not in the expected state before the cycle',
  5: 'Probe fail: the probe did not trigger within the programmed travel',
  6: 'Homing fail: reset during the homing cycle',
  7: 'Homing fail: safety door opened during the homing cycle',
  8: 'Homing fail: pulling off did not clear the limit switch',
  9: 'Homing fail: the limit switch was not found within the search distance',
  10: 'Emergency stop asserted',
};

/** A GcodeError for a line, with Grbl's message for the code and an optional detail. */
export function gcodeError(line: number, code: number, detail?: string): GcodeError {
  const base = GRBL_ERRORS[code] ?? `G-code error ${code}`;
  return { line, code, message: detail === undefined ? base : `${base} (${detail})` };
}

// The Grbl 1.1 (and grblHAL, for e-stop and homing-required) alarm and error codes the
// machine raises itself, with their messages. G-code errors come from the interpreter.
import type { CommandError } from './types.js';

/** Alarm codes, as Grbl 1.1 numbers them (10 and 11 as grblHAL does). */
export const ALARM = {
  hardLimit: 1,
  softLimit: 2,
  abortCycle: 3,
  probeInitial: 4,
  probeContact: 5,
  homingReset: 6,
  homingDoor: 7,
  homingPullOff: 8,
  homingApproach: 9,
  estop: 10,
  homingRequired: 11,
} as const;

const ALARM_MESSAGES: Record<number, string> = {
  1: 'Hard limit triggered. Machine position is likely lost due to sudden and immediate halt.',
  2: 'G-code motion target exceeds machine travel. Machine position safely retained.',
  3: 'Reset while in motion. Machine position is likely lost due to sudden and immediate halt.',
  4: 'Probe fail. The probe is not in the expected initial state before starting probe cycle.',
  5: 'Probe fail. Probe did not contact the workpiece within the programmed travel.',
  6: 'Homing fail. Reset during active homing cycle.',
  7: 'Homing fail. Safety door was opened during active homing cycle.',
  8: 'Homing fail. Cycle failed to clear limit switch when pulling off.',
  9: 'Homing fail. Could not find limit switch within search distance.',
  10: 'E-stop asserted. Clear and reset.',
  11: 'Homing required. Execute $H to continue.',
};

/** Grbl's message for an alarm code. */
export function alarmMessage(code: number): string {
  return ALARM_MESSAGES[code] ?? `Alarm ${code}`;
}

/** Error codes for refused commands, as Grbl 1.1 numbers them. */
export const ERROR = {
  expectedCommandLetter: 1,
  badNumberFormat: 2,
  invalidStatement: 3,
  settingDisabled: 5,
  notIdle: 8,
  systemGcLock: 9,
  overflow: 11,
  travelExceeded: 15,
  invalidJogCommand: 16,
  /** grblHAL's 'E-stop active': a reset or unlock is refused while the e-stop input holds. */
  estopActive: 50,
} as const;

const ERROR_MESSAGES: Record<number, string> = {
  1: 'G-code words consist of a letter and a value. Letter was not found.',
  2: 'Missing the expected G-code word value or numeric value format is not valid.',
  3: "Grbl '$' system command was not recognized or supported.",
  5: 'Homing cycle failure. Homing is not enabled via settings.',
  8: "Grbl '$' command cannot be used unless Grbl is IDLE. Ensures smooth operation during a job.",
  9: 'G-code commands are locked out during alarm or jog state.',
  11: 'Maximum line length exceeded.',
  15: 'Jog target exceeds machine travel. Jog command has been ignored.',
  16: "Jog command has no '=' or contains prohibited g-code.",
  50: 'E-stop is active.',
};

/** A CommandError with Grbl's message for the code (or a specific one). */
export function commandError(code: number, message?: string): CommandError {
  return { code, message: message ?? ERROR_MESSAGES[code] ?? `Error ${code}` };
}

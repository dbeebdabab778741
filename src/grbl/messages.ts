// The fixed lines of Grbl 1.1's protocol: welcome, help, build info and feedback messages.
// minifactory identifies as Grbl 1.1h so senders pick their Grbl 1.1 driver.
import type { MachineConfig } from '../config/schema.js';
import { PLANNER_BLOCKS, RX_BUFFER_BYTES } from './status-report.js';

/** The version senders see. */
export const GRBL_VERSION = '1.1h';

/** Grbl ends every line it sends with CR LF. */
export const EOL = '\r\n';

/** The welcome line (after connect and after a soft reset); Grbl precedes it with a blank line. */
export const WELCOME = `Grbl ${GRBL_VERSION} ['$' for help]`;

/** `$` answers with the commands there are. */
export const HELP = '[HLP:$$ $# $G $I $N $x=val $Nx=line $J=line $SLP $C $X $H ~ ! ? ctrl-x]';

/** Feedback messages, in Grbl's wording (senders match some of them). */
export const MSG = {
  unlockHint: "[MSG:'$H'|'$X' to unlock]",
  unlocked: '[MSG:Caution: Unlocked]',
  resetToContinue: '[MSG:Reset to continue]',
  checkDoor: '[MSG:Check Door]',
  checkModeOn: '[MSG:Enabled]',
  checkModeOff: '[MSG:Disabled]',
  sleeping: '[MSG:Sleeping]',
  restoringSpindle: '[MSG:Restoring spindle]',
  busy: '[MSG:Another client is connected: one controller at a time]',
} as const;

/** A feedback message line. */
export function feedback(text: string): string {
  // ']' would end the message early for a sender's parser.
  return `[MSG:${text.replace(/]/g, ')')}]`;
}

/** `$I`: version and the compile-time options a sender may look at. */
export function buildInfoLines(config: MachineConfig): string[] {
  // V variable spindle, M mist (M7), H single-axis homing ($HX), C CoreXY.
  const options = `VMH${config.kinematics === 'corexy' ? 'C' : ''}`;
  return [
    `[VER:${GRBL_VERSION}.minifactory:]`,
    `[OPT:${options},${PLANNER_BLOCKS},${RX_BUFFER_BYTES}]`,
  ];
}

/** `$N`: startup lines; minifactory runs none (its config sets the start state). */
export const STARTUP_LINES = ['$N0=', '$N1='];

/** Alarms after which Grbl asks for a reset (position or safety in doubt). */
export const CRITICAL_ALARMS: ReadonlySet<number> = new Set([1, 2, 10]);

// Grbl 1.1's realtime command bytes: single bytes picked out of the stream wherever they
// appear (even mid-line), acted on at once, never echoed and never answered with `ok`.
import type { OverrideAction, OverrideTarget } from '../machine/types.js';

export type RealtimeCommand =
  | { kind: 'status' }
  | { kind: 'hold' }
  | { kind: 'resume' }
  | { kind: 'reset' }
  | { kind: 'door' }
  | { kind: 'jogCancel' }
  | { kind: 'override'; target: OverrideTarget; action: OverrideAction }
  | { kind: 'spindleStop' }
  | { kind: 'floodToggle' }
  | { kind: 'mistToggle' };

/** The byte values, as Grbl 1.1 assigns them. */
export const RT = {
  reset: 0x18,
  status: 0x3f, // '?'
  hold: 0x21, // '!'
  resume: 0x7e, // '~'
  door: 0x84,
  jogCancel: 0x85,
  feedReset: 0x90,
  feedCoarseUp: 0x91,
  feedCoarseDown: 0x92,
  feedFineUp: 0x93,
  feedFineDown: 0x94,
  rapidFull: 0x95,
  rapidHalf: 0x96,
  rapidQuarter: 0x97,
  spindleReset: 0x99,
  spindleCoarseUp: 0x9a,
  spindleCoarseDown: 0x9b,
  spindleFineUp: 0x9c,
  spindleFineDown: 0x9d,
  spindleStop: 0x9e,
  floodToggle: 0xa0,
  mistToggle: 0xa1,
} as const;

const override = (target: OverrideTarget, action: OverrideAction): RealtimeCommand => ({
  kind: 'override',
  target,
  action,
});

const COMMANDS = new Map<number, RealtimeCommand>([
  [RT.reset, { kind: 'reset' }],
  [RT.status, { kind: 'status' }],
  [RT.hold, { kind: 'hold' }],
  [RT.resume, { kind: 'resume' }],
  [RT.door, { kind: 'door' }],
  [RT.jogCancel, { kind: 'jogCancel' }],
  [RT.feedReset, override('feed', 'reset')],
  [RT.feedCoarseUp, override('feed', 'coarseUp')],
  [RT.feedCoarseDown, override('feed', 'coarseDown')],
  [RT.feedFineUp, override('feed', 'fineUp')],
  [RT.feedFineDown, override('feed', 'fineDown')],
  [RT.rapidFull, override('rapid', 100)],
  [RT.rapidHalf, override('rapid', 50)],
  [RT.rapidQuarter, override('rapid', 25)],
  [RT.spindleReset, override('spindle', 'reset')],
  [RT.spindleCoarseUp, override('spindle', 'coarseUp')],
  [RT.spindleCoarseDown, override('spindle', 'coarseDown')],
  [RT.spindleFineUp, override('spindle', 'fineUp')],
  [RT.spindleFineDown, override('spindle', 'fineDown')],
  [RT.spindleStop, { kind: 'spindleStop' }],
  [RT.floodToggle, { kind: 'floodToggle' }],
  [RT.mistToggle, { kind: 'mistToggle' }],
]);

/** The realtime command a byte stands for, or null for an ordinary line byte. */
export function realtimeCommand(byte: number): RealtimeCommand | null {
  return COMMANDS.get(byte) ?? null;
}

/** Bytes Grbl never puts in a line: realtime commands and any other byte >= 0x80 (dropped). */
export function isOutOfBand(byte: number): boolean {
  return byte >= 0x80 || COMMANDS.has(byte);
}

// `$J=` jog lines, by Grbl 1.1's rules: a G1-like move with a required F, where only
// G20/G21, G90/G91 and G53 may appear. The interpreter's state is read, never changed.
import type { GcodeError, LinearMove } from '../types.js';
import { Block, GROUP, NON_MODAL, WORD } from './block.js';
import { ERR, gcodeError } from './errors.js';
import type { Interpreter } from './interpreter.js';
import { LineBytes } from './line-bytes.js';
import { BlockParser, blankFrom } from './parser.js';

const MM_PER_INCH = 25.4;
const ALLOWED_GROUPS = GROUP.distance | GROUP.units | GROUP.nonModal;
const ALLOWED_WORDS = WORD.n | WORD.f | WORD.x | WORD.y | WORD.z;

// Scratch: motion/ is single-threaded, and a jog line is parsed start to end in one call.
const parser = new BlockParser();
const block = new Block();
const lineBytes = new LineBytes();

const CH_EQUALS = 61;

/** The index after the first `=` (the test before calling says there is one). */
function bodyAfterEquals(bytes: Uint8Array, len: number): number {
  let i = 0;
  while (i < len && bytes[i] !== CH_EQUALS) i++;
  return i + 1;
}

/**
 * Parse a `$J=` jog line body (the `$J=` prefix is optional) against the interpreter's
 * current units, distance mode, offsets and position, without changing them.
 */
export function parseJog(
  text: string,
  interp: Interpreter,
  line: number,
): { ok: true; move: LinearMove } | { ok: false; error: GcodeError } {
  const len = lineBytes.encode(text);
  const bytes = lineBytes.bytes;
  const bodyStart = /^\s*\$j=/i.test(text) ? bodyAfterEquals(bytes, len) : 0;
  let code = parser.parse(bytes, bodyStart, len, block, false);
  // Words after a line break would be another line: not part of this jog.
  if (code === 0 && !blankFrom(bytes, parser.lineEnd, len)) code = ERR.invalidJogCommand;
  if (code !== 0) return refuse(line, code < 0 ? ERR.invalidJogCommand : code);
  const b = block;
  const modal = interp.modal();
  const inches = (b.commandBits & GROUP.units) !== 0 ? b.inches : modal.inches;
  const incremental = (b.commandBits & GROUP.distance) !== 0 ? b.incremental : modal.incremental;

  if ((b.valueBits & WORD.f) === 0 || !(b.f > 0)) return refuse(line, ERR.undefinedFeedRate);
  if ((b.commandBits & ~ALLOWED_GROUPS) !== 0) return refuse(line, ERR.invalidJogCommand);
  const machineCoords = b.nonModal === NON_MODAL.absoluteOverride;
  if ((b.commandBits & GROUP.nonModal) !== 0 && !machineCoords) {
    return refuse(line, ERR.invalidJogCommand);
  }
  if ((b.valueBits & ~ALLOWED_WORDS) !== 0) return refuse(line, ERR.unusedWords);
  if (b.axisBits === 0) return refuse(line, ERR.noAxisWords);

  const scale = inches ? MM_PER_INCH : 1;
  const pos = interp.positionMm();
  const off = interp.activeOffsetMm();
  const axis = (k: number, current: number, offsetMm: number): number => {
    if ((b.axisBits & (1 << k)) === 0) return current;
    const valueMm = b.xyz[k] * scale;
    if (machineCoords) return valueMm;
    return incremental ? current + valueMm : valueMm + offsetMm;
  };
  const move: LinearMove = {
    kind: 'move',
    line,
    targetMm: { x: axis(0, pos.x, off.x), y: axis(1, pos.y, off.y), z: axis(2, pos.z, off.z) },
    rapid: false,
    feedMmMin: b.f * scale,
    inverseTimeS: undefined,
    spindle: modal.spindle,
    probe: undefined,
    lineNumber: (b.valueBits & WORD.n) !== 0 ? b.n : undefined,
    noFeedOverride: true,
  };
  return { ok: true, move };
}

function refuse(line: number, code: number): { ok: false; error: GcodeError } {
  return { ok: false, error: gcodeError(line, code) };
}

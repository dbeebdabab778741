// The line scanner: one pass over the bytes of a line into a reused Block, with Grbl's
// word-level checks (letters, numbers, modal groups, repeats, negative values).
// Hand-rolled on UTF-8 bytes: no regex, no splitting, no allocation on the common path.
import { AXIS_CMD, Block, GROUP, MOTION, NON_MODAL, WORD } from './block.js';
import { ERR } from './errors.js';

// Module-local copies of the shared constants. Not for a getter (tsx runs this as native
// ESM, no getters): the optimizer treats a module's own consts as constants, while reading
// through an imported object loads on each use. Measured 2-3% of plan-only throughput.
const {
  nonModal: GROUP_NON_MODAL,
  motion: GROUP_MOTION,
  plane: GROUP_PLANE,
  distance: GROUP_DISTANCE,
  arcDistance: GROUP_ARC_DISTANCE,
  feedMode: GROUP_FEED_MODE,
  units: GROUP_UNITS,
  cutterComp: GROUP_CUTTER_COMP,
  toolLength: GROUP_TOOL_LENGTH,
  wcs: GROUP_WCS,
  pathControl: GROUP_PATH_CONTROL,
  flow: GROUP_FLOW,
  spindle: GROUP_SPINDLE,
  coolant: GROUP_COOLANT,
  toolChange: GROUP_TOOL_CHANGE,
} = GROUP;
const {
  f: WORD_F,
  i: WORD_I,
  j: WORD_J,
  k: WORD_K,
  l: WORD_L,
  n: WORD_N,
  p: WORD_P,
  r: WORD_R,
  s: WORD_S,
  t: WORD_T,
  x: WORD_X,
  y: WORD_Y,
  z: WORD_Z,
} = WORD;
const {
  none: AXIS_CMD_NONE,
  nonModal: AXIS_CMD_NON_MODAL,
  motion: AXIS_CMD_MOTION,
  toolLength: AXIS_CMD_TOOL_LENGTH,
} = AXIS_CMD;
const { setCoordData: NON_MODAL_SET_COORD_DATA } = NON_MODAL;
const { none: MOTION_NONE } = MOTION;

/** parse() result for a line that is to be ignored as a whole (`%`, or a deleted block). */
export const SKIP_LINE = -1;

/** Grbl's largest tool number (T word). */
const MAX_TOOL_NUMBER = 255;

const POW10: readonly number[] = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Digits readNumber's fast path takes: 999,999,999 is the largest such mantissa, an int32. */
const FAST_DIGITS = 9;
/** Beyond this many significant digits the mantissa is no longer an exact integer. */
const MANTISSA_LIMIT = 1e15;

const CH_PAREN_OPEN = 40;
const CH_SEMICOLON = 59;
const CH_SLASH = 47;
const CH_PERCENT = 37;
const CH_DOLLAR = 36;
const CH_MINUS = 45;
const CH_PLUS = 43;
const CH_DOT = 46;
const CH_0 = 48;
const CH_9 = 57;
const CH_LF = 10;
const CH_CR = 13;
const CH_PAREN_CLOSE = 41;
const CH_F = 70;
const CH_G = 71;
const CH_M = 77;
const CH_S = 83;
const CH_X = 88;
const CH_Z = 90;
/** The byte-order mark U+FEFF in UTF-8 (EF BB BF): a blank wherever it appears. */
const BOM_0 = 0xef;
const BOM_1 = 0xbb;
const BOM_2 = 0xbf;

/**
 * Scans G-code lines into Blocks straight from a job's UTF-8 bytes: no line is cut out,
 * the scan stops at the line's end (the bytes are walked once), and a byte array reads
 * several times faster than a string's char codes. Keeps the last number read and where
 * the line ended in fields, to avoid tuples.
 */
export class BlockParser {
  private numberValue = 0;
  /** Where the line parse() last read ends: the index of its LF or CR, or end. */
  lineEnd = 0;

  /**
   * Parse the line that starts at `start` in bytes (UTF-8) into b; the line ends at the
   * first LF or CR, or at `end` (lineEnd tells where). Returns 0, a Grbl error code, or
   * SKIP_LINE. Whitespace and comments are ignored anywhere (also inside a number, as Grbl
   * strips them first).
   */
  parse(bytes: Uint8Array, start: number, end: number, b: Block, blockDelete: boolean): number {
    b.reset();
    let i = start;
    // A line that starts with a letter (nearly all) needs none of the first-character checks.
    const first = i < end ? bytes[i] : 0;
    if (first < 65 || first > 122) {
      // Leading whitespace (and a BOM) only: `%`, `$` and `/` count as the first character.
      for (;;) {
        while (i < end && bytes[i] <= 32 && bytes[i] !== CH_LF && bytes[i] !== CH_CR) i++;
        if (!isBom(bytes, i, end)) break;
        i += 3;
      }
      if (i < end) {
        const c = bytes[i];
        if (c === CH_PERCENT) return this.stop(bytes, start, end, SKIP_LINE);
        if (c === CH_DOLLAR) return this.stop(bytes, start, end, ERR.invalidStatement);
        if (c === CH_SLASH && blockDelete) return this.stop(bytes, start, end, SKIP_LINE);
      }
    }
    for (;;) {
      if (i >= end) {
        this.lineEnd = end;
        return 0;
      }
      let c = bytes[i];
      if (c >= 97 && c <= 122) c -= 32;
      if (c < 65 || c > 90) {
        // Blanks before a word (readNumber passes those after a number already).
        const next = skipBlank(bytes, i, end);
        if (next !== i) {
          i = next;
          continue;
        }
        if (c === CH_LF || c === CH_CR) {
          this.lineEnd = i;
          return 0;
        }
        if (c === CH_SEMICOLON) {
          // A ; comment runs to the end of the line.
          this.lineEnd = lineBreakAt(bytes, i, end);
          return 0;
        }
        return this.stop(bytes, start, end, ERR.expectedCommandLetter);
      }
      i = this.readNumber(bytes, i + 1, end);
      if (i < 0) return this.stop(bytes, start, end, ERR.badNumberFormat);
      const value = this.numberValue;
      // The words of nearly every line (X Y Z, F S, and G0/G1) are stored here; anything else,
      // a repeat or a conflict included, goes to the word's own function.
      if (c >= CH_X && c <= CH_Z) {
        const axis = c - CH_X;
        // WORD has x, y, z on consecutive bits.
        const bit = WORD_X << axis;
        if ((b.valueBits & bit) === 0) {
          b.xyz[axis] = value;
          b.axisBits |= 1 << axis;
          b.valueBits |= bit;
          continue;
        }
      } else if (c === CH_S || c === CH_F) {
        const bit = c === CH_S ? WORD_S : WORD_F;
        if ((b.valueBits & bit) === 0 && value >= 0) {
          if (c === CH_S) b.s = value;
          else b.f = value;
          b.valueBits |= bit;
          continue;
        }
      } else if (
        c === CH_G &&
        (value === 1 || value === 0) &&
        b.axisCommand === AXIS_CMD_NONE &&
        (b.commandBits & GROUP_MOTION) === 0
      ) {
        b.axisCommand = AXIS_CMD_MOTION;
        b.motion = value;
        b.commandBits |= GROUP_MOTION;
        continue;
      }
      let err: number;
      if (c === CH_G) err = gWord(b, value);
      else if (c === CH_M) err = mWord(b, value);
      else err = valueWord(b, c, value);
      if (err !== 0) return this.stop(bytes, start, end, err);
    }
  }

  /** A stop before the line's end (rare): the rest of the line still has to be passed over. */
  private stop(bytes: Uint8Array, start: number, end: number, code: number): number {
    this.lineEnd = lineBreakAt(bytes, start, end);
    return code;
  }

  /** Read a signed decimal (no exponent) from start; returns the index after it, or -1. */
  private readNumber(bytes: Uint8Array, start: number, end: number): number {
    // Fast path for the usual packed form ("-12.345"): optional minus, at most 9 digits
    // with one dot, then a character that cannot continue the number. Anything else
    // (a plus sign, blanks or comments inside, long digit strings) takes the general path.
    let i = start;
    let c = i < end ? bytes[i] : 0;
    const negative = c === CH_MINUS;
    if (negative) c = ++i < end ? bytes[i] : 0;
    // Up to FAST_DIGITS digits the mantissa is an exact int32: integer arithmetic.
    // Digit counts come from the indices; (c - '0') >>> 0 <= 9 tests for a digit at once.
    let mantissa = 0;
    const intStart = i;
    while ((c - CH_0) >>> 0 <= 9) {
      mantissa = (mantissa * 10 + (c - CH_0)) | 0;
      c = ++i < end ? bytes[i] : 0;
    }
    let digits = i - intStart;
    let fractionDigits = 0;
    if (c === CH_DOT) {
      c = ++i < end ? bytes[i] : 0;
      const fractionStart = i;
      while ((c - CH_0) >>> 0 <= 9) {
        mantissa = (mantissa * 10 + (c - CH_0)) | 0;
        c = ++i < end ? bytes[i] : 0;
      }
      fractionDigits = i - fractionStart;
      digits += fractionDigits;
    }
    if (digits === 0 || digits > FAST_DIGITS) return this.readNumberSlow(bytes, start, end);
    if (c <= 32 || c === CH_PAREN_OPEN || c === CH_SLASH || c === BOM_0) {
      // Blanks may hide more of the number ("X1 2.5" is X12.5, as Grbl strips them first).
      i = skipBlank(bytes, i, end);
      if (i < end) {
        c = bytes[i];
        if ((c >= CH_0 && c <= CH_9) || c === CH_DOT) return this.readNumberSlow(bytes, start, end);
      }
    }
    // An exact integer over an exact power of ten rounds once: the same double as parseFloat.
    const value = fractionDigits === 0 ? mantissa : mantissa / POW10[fractionDigits];
    this.numberValue = negative ? -value : value;
    return i;
  }

  /** readNumber for any form: signs, blanks and comments inside, any number of digits. */
  private readNumberSlow(bytes: Uint8Array, start: number, end: number): number {
    let i = skipBlank(bytes, start, end);
    let negative = false;
    if (i < end) {
      const c = bytes[i];
      if (c === CH_MINUS || c === CH_PLUS) {
        negative = c === CH_MINUS;
        i = skipBlank(bytes, i + 1, end);
      }
    }
    let mantissa = 0;
    let fractionDigits = 0;
    let droppedIntDigits = 0;
    let seenDot = false;
    let seenDigit = false;
    while (i < end) {
      const c = bytes[i];
      const d = c - CH_0;
      if (d >= 0 && d <= 9) {
        seenDigit = true;
        if (mantissa < MANTISSA_LIMIT) {
          mantissa = mantissa * 10 + d;
          if (seenDot) fractionDigits++;
        } else if (!seenDot) {
          droppedIntDigits++;
        }
        i++;
      } else if (c === CH_DOT && !seenDot) {
        seenDot = true;
        i++;
      } else {
        // Blanks and comments go on; a line break or anything else ends the number.
        const next = skipBlank(bytes, i, end);
        if (next === i) break;
        i = next;
      }
    }
    if (!seenDigit) return -1;
    let value: number;
    if (fractionDigits === 0) value = mantissa;
    else if (fractionDigits < POW10.length) value = mantissa / POW10[fractionDigits];
    else value = mantissa / 10 ** fractionDigits;
    if (droppedIntDigits > 0) value *= 10 ** droppedIntDigits;
    // Hundreds of digits overflow to Infinity, which no move may carry.
    if (value === Infinity) return -1;
    this.numberValue = negative ? -value : value;
    return i;
  }
}

/** Where the line after one ending at lineEnd (its LF or CR, or end) starts. */
export function nextLineStart(bytes: Uint8Array, lineEnd: number, end: number): number {
  if (lineEnd >= end) return end;
  // CR LF is one line end; a lone CR or LF is one too.
  if (bytes[lineEnd] === CH_CR && lineEnd + 1 < end && bytes[lineEnd + 1] === CH_LF) {
    return lineEnd + 2;
  }
  return lineEnd + 1;
}

/** Whether bytes hold only whitespace and control characters from start to end. */
export function blankFrom(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] > 32) return false;
  return true;
}

/**
 * Skip whitespace, control characters, `/`, byte-order marks and `( )` comments; stop at a
 * line break or anything else.
 */
function skipBlank(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = bytes[i];
    if (c <= 32 || c === CH_SLASH) {
      if (c === CH_LF || c === CH_CR) return i;
      i++;
    } else if (c === CH_PAREN_OPEN) {
      i = commentEnd(bytes, i + 1, end);
    } else if (c === BOM_0 && isBom(bytes, i, end)) {
      i += 3;
    } else {
      return i;
    }
  }
  return i;
}

/** Whether a UTF-8 byte-order mark starts at i. */
function isBom(bytes: Uint8Array, i: number, end: number): boolean {
  return i + 2 < end && bytes[i] === BOM_0 && bytes[i + 1] === BOM_1 && bytes[i + 2] === BOM_2;
}

/** The index after the `)` closing a comment; an unclosed one runs to the line break, as in Grbl. */
function commentEnd(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === CH_PAREN_CLOSE) return i + 1;
    if (c === CH_LF || c === CH_CR) return i;
  }
  return end;
}

/** The index of the first LF or CR at or after start, or end. */
function lineBreakAt(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === CH_LF || c === CH_CR) return i;
  }
  return end;
}

/** Fractional part of a command number in hundredths (G38.2 -> 20), rounded as Grbl does. */
function hundredths(value: number, intValue: number): number {
  return Math.round(100 * (value - intValue));
}

function gWord(b: Block, value: number): number {
  if (value < 0) return ERR.unsupportedCommand;
  const intValue = Math.trunc(value);
  let fraction = hundredths(value, intValue);
  let group: number;
  switch (intValue) {
    case 10:
    case 28:
    case 30:
    case 92:
      // G10/G28/G30/G92 take the axis words; their .1 forms do not.
      if (fraction === 0) {
        if (b.axisCommand !== AXIS_CMD_NONE) return ERR.axisCommandConflict;
        b.axisCommand = AXIS_CMD_NON_MODAL;
      }
      group = GROUP_NON_MODAL;
      if (intValue === 10) {
        b.nonModal = NON_MODAL_SET_COORD_DATA;
      } else {
        if (fraction !== 0 && fraction !== 10) return ERR.unsupportedCommand;
        b.nonModal = fraction === 10 ? intValue * 10 + 1 : intValue;
        fraction = 0;
      }
      break;
    case 4:
    case 53:
      group = GROUP_NON_MODAL;
      b.nonModal = intValue;
      break;
    case 0:
    case 1:
    case 2:
    case 3:
    case 38:
      if (b.axisCommand !== AXIS_CMD_NONE) return ERR.axisCommandConflict;
      b.axisCommand = AXIS_CMD_MOTION;
      group = GROUP_MOTION;
      if (intValue === 38) {
        if (fraction !== 20 && fraction !== 30 && fraction !== 40 && fraction !== 50) {
          return ERR.unsupportedCommand;
        }
        b.motion = 380 + fraction / 10;
        fraction = 0;
      } else {
        b.motion = intValue;
      }
      break;
    case 80:
      group = GROUP_MOTION;
      b.motion = MOTION_NONE;
      break;
    case 17:
    case 18:
    case 19:
      group = GROUP_PLANE;
      b.plane = intValue - 17;
      break;
    case 90:
    case 91:
      if (fraction === 0) {
        group = GROUP_DISTANCE;
        b.incremental = intValue === 91;
      } else {
        // Only G91.1 (incremental arc centres, always on) exists; G90.1 does not.
        group = GROUP_ARC_DISTANCE;
        if (fraction !== 10 || intValue === 90) return ERR.unsupportedCommand;
        fraction = 0;
      }
      break;
    case 93:
    case 94:
      group = GROUP_FEED_MODE;
      b.inverseTime = intValue === 93;
      break;
    case 20:
    case 21:
      group = GROUP_UNITS;
      b.inches = intValue === 20;
      break;
    case 40:
      group = GROUP_CUTTER_COMP;
      break;
    case 43:
    case 49:
      // Changing the tool length offset claims the axis words (NIST), so no motion with it.
      if (b.axisCommand !== AXIS_CMD_NONE) return ERR.axisCommandConflict;
      b.axisCommand = AXIS_CMD_TOOL_LENGTH;
      group = GROUP_TOOL_LENGTH;
      if (intValue === 49) b.toolLengthDynamic = false;
      else if (fraction === 10) b.toolLengthDynamic = true;
      else return ERR.unsupportedCommand;
      fraction = 0;
      break;
    case 54:
    case 55:
    case 56:
    case 57:
    case 58:
    case 59:
      group = GROUP_WCS;
      b.wcsIndex = intValue - 54;
      break;
    case 61:
    case 64:
      group = GROUP_PATH_CONTROL;
      if (fraction !== 0) return ERR.unsupportedCommand;
      b.pathControl = intValue;
      break;
    default:
      return ERR.unsupportedCommand;
  }
  if (fraction > 0) return ERR.commandValueNotInteger;
  if ((b.commandBits & group) !== 0) return ERR.modalGroupViolation;
  b.commandBits |= group;
  return 0;
}

function mWord(b: Block, value: number): number {
  const intValue = Math.trunc(value);
  if (hundredths(value, intValue) > 0) return ERR.commandValueNotInteger;
  let group: number;
  switch (intValue) {
    case 0:
    case 1:
    case 2:
    case 30:
      group = GROUP_FLOW;
      b.flow = intValue;
      break;
    case 3:
    case 4:
    case 5:
      group = GROUP_SPINDLE;
      b.spindle = intValue;
      break;
    case 6:
      group = GROUP_TOOL_CHANGE;
      break;
    case 7:
    case 8:
    case 9:
      group = GROUP_COOLANT;
      b.coolant = intValue;
      break;
    default:
      return ERR.unsupportedCommand;
  }
  if ((b.commandBits & group) !== 0) return ERR.modalGroupViolation;
  b.commandBits |= group;
  return 0;
}

const NON_NEGATIVE_WORDS = WORD_F | WORD_N | WORD_P | WORD_T | WORD_S;

function valueWord(b: Block, letter: number, value: number): number {
  let bit: number;
  switch (letter) {
    case 70: // F
      bit = WORD_F;
      b.f = value;
      break;
    case 73: // I
      bit = WORD_I;
      b.ijk[0] = value;
      b.ijkBits |= 1;
      break;
    case 74: // J
      bit = WORD_J;
      b.ijk[1] = value;
      b.ijkBits |= 2;
      break;
    case 75: // K
      bit = WORD_K;
      b.ijk[2] = value;
      b.ijkBits |= 4;
      break;
    case 76: // L
      bit = WORD_L;
      b.l = Math.trunc(value);
      break;
    case 78: // N
      bit = WORD_N;
      b.n = Math.trunc(value);
      break;
    case 80: // P
      bit = WORD_P;
      b.p = value;
      break;
    case 82: // R
      bit = WORD_R;
      b.r = value;
      break;
    case 83: // S
      bit = WORD_S;
      b.s = value;
      break;
    case 84: // T
      bit = WORD_T;
      if (value > MAX_TOOL_NUMBER) return ERR.maxValueExceeded;
      b.t = Math.trunc(value);
      break;
    case 88: // X
      bit = WORD_X;
      b.xyz[0] = value;
      b.axisBits |= 1;
      break;
    case 89: // Y
      bit = WORD_Y;
      b.xyz[1] = value;
      b.axisBits |= 2;
      break;
    case 90: // Z
      bit = WORD_Z;
      b.xyz[2] = value;
      b.axisBits |= 4;
      break;
    default:
      // A B C D E H O Q U V W: letters Grbl does not support.
      return ERR.unsupportedCommand;
  }
  if ((b.valueBits & bit) !== 0) return ERR.wordRepeated;
  if ((bit & NON_NEGATIVE_WORDS) !== 0 && value < 0) return ERR.negativeValue;
  b.valueBits |= bit;
  return 0;
}

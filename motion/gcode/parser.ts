// The line scanner: one pass over the characters of a line into a reused Block, with
// Grbl's word-level checks (letters, numbers, modal groups, repeats, negative values).
// Hand-rolled on char codes: no regex, no splitting, no allocation on the common path.
import { AXIS_CMD, Block, GROUP, MOTION, NON_MODAL, WORD } from './block.js';
import { ERR } from './errors.js';

// Module-local copies of the shared constants: under tsx an imported binding is read
// through a getter, which costs more than scanning a short line.
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
const CH_BOM = 0xfeff;

/** Scans G-code lines into Blocks. Keeps the last number read in a field to avoid tuples. */
export class BlockParser {
  private numberValue = 0;

  /**
   * Parse one line into b. Returns 0, a Grbl error code, or SKIP_LINE. Whitespace and
   * comments are ignored anywhere (also inside a number, as Grbl strips them first).
   */
  parse(text: string, b: Block, blockDelete: boolean): number {
    b.reset();
    const len = text.length;
    let i = 0;
    while (i < len) {
      const c = text.charCodeAt(i);
      if (c > 32 && c !== CH_BOM) break;
      i++;
    }
    if (i < len) {
      const c = text.charCodeAt(i);
      if (c === CH_PERCENT) return SKIP_LINE;
      if (c === CH_DOLLAR) return ERR.invalidStatement;
      if (c === CH_SLASH && blockDelete) return SKIP_LINE;
    }
    for (;;) {
      i = skipBlank(text, i, len);
      if (i >= len) return 0;
      let c = text.charCodeAt(i);
      if (c === CH_SEMICOLON) return 0;
      if (c >= 97 && c <= 122) c -= 32;
      if (c < 65 || c > 90) return ERR.expectedCommandLetter;
      i = this.readNumber(text, i + 1, len);
      if (i < 0) return ERR.badNumberFormat;
      const value = this.numberValue;
      let err: number;
      if (c === 71) err = gWord(b, value);
      else if (c === 77) err = mWord(b, value);
      else err = valueWord(b, c, value);
      if (err !== 0) return err;
    }
  }

  /** Read a signed decimal (no exponent) from i; returns the index after it, or -1. */
  private readNumber(text: string, start: number, len: number): number {
    let i = skipBlank(text, start, len);
    let negative = false;
    if (i < len) {
      const c = text.charCodeAt(i);
      if (c === CH_MINUS || c === CH_PLUS) {
        negative = c === CH_MINUS;
        i = skipBlank(text, i + 1, len);
      }
    }
    let mantissa = 0;
    let fractionDigits = 0;
    let droppedIntDigits = 0;
    let seenDot = false;
    let seenDigit = false;
    while (i < len) {
      const c = text.charCodeAt(i);
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
      } else if (c <= 32 || c === CH_PAREN_OPEN || c === CH_SLASH || c === CH_BOM) {
        i = skipBlank(text, i, len);
      } else {
        break;
      }
    }
    if (!seenDigit) return -1;
    // An exact integer over an exact power of ten rounds once: the same double as parseFloat.
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

/** Skip whitespace, control characters, `/` and `( )` comments; stop at anything else. */
function skipBlank(text: string, start: number, len: number): number {
  let i = start;
  while (i < len) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c === CH_SLASH || c === CH_BOM) {
      i++;
    } else if (c === CH_PAREN_OPEN) {
      // An unclosed comment runs to the end of the line, as in Grbl.
      const close = text.indexOf(')', i + 1);
      i = close < 0 ? len : close + 1;
    } else {
      return i;
    }
  }
  return i;
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

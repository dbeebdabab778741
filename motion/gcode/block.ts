// One parsed G-code block: the commands and value words of a line, before interpretation.
// A single instance is reused line after line so parsing allocates nothing.

/** Modal groups (NIST RS274/NGC table 4, plus M6), one bit each in Block.commandBits. */
export const GROUP = {
  nonModal: 1 << 0, // G4 G10 G28 G30 G53 G92 (and .1 forms)
  motion: 1 << 1, // G0 G1 G2 G3 G38.x G80
  plane: 1 << 2, // G17 G18 G19
  distance: 1 << 3, // G90 G91
  arcDistance: 1 << 4, // G91.1
  feedMode: 1 << 5, // G93 G94
  units: 1 << 6, // G20 G21
  cutterComp: 1 << 7, // G40
  toolLength: 1 << 8, // G43.1 G49
  wcs: 1 << 9, // G54..G59
  pathControl: 1 << 10, // G61 G64
  flow: 1 << 11, // M0 M1 M2 M30
  spindle: 1 << 12, // M3 M4 M5
  coolant: 1 << 13, // M7 M8 M9
  toolChange: 1 << 14, // M6
} as const;

/** Value words, one bit each in Block.valueBits (x, y, z consecutive: the parser relies on it). */
export const WORD = {
  f: 1 << 0,
  i: 1 << 1,
  j: 1 << 2,
  k: 1 << 3,
  l: 1 << 4,
  n: 1 << 5,
  p: 1 << 6,
  r: 1 << 7,
  s: 1 << 8,
  t: 1 << 9,
  x: 1 << 10,
  y: 1 << 11,
  z: 1 << 12,
} as const;

/** Who uses the axis words of a block (Grbl's axis-command notion). */
export const AXIS_CMD = { none: 0, nonModal: 1, motion: 2, toolLength: 3 } as const;

/** Motion modes; G38.x are numbered 382..385. */
export const MOTION = {
  rapid: 0,
  linear: 1,
  cw: 2,
  ccw: 3,
  probeToward: 382,
  probeTowardNoError: 383,
  probeAway: 384,
  probeAwayNoError: 385,
  none: 80,
} as const;

/** Non-modal commands; the .1 forms are numbered x10 + 1 (G28.1 = 281). */
export const NON_MODAL = {
  none: 0,
  dwell: 4,
  setCoordData: 10,
  goHome0: 28,
  setHome0: 281,
  goHome1: 30,
  setHome1: 301,
  absoluteOverride: 53,
  setOffset: 92,
  resetOffset: 921,
} as const;

/** Planes: which axes (0 = x, 1 = y, 2 = z) span the arc plane and which is linear. */
export const PLANE_XY = 0;
export const PLANE_ZX = 1;
export const PLANE_YZ = 2;

/** The words and commands of one line. Fields are only meaningful when their bit is set. */
export class Block {
  commandBits = 0;
  valueBits = 0;
  /** Axis words present: bit 0 x, bit 1 y, bit 2 z. */
  axisBits = 0;
  /** Offset words present: bit 0 i, bit 1 j, bit 2 k. */
  ijkBits = 0;
  axisCommand = 0;
  motion = 0;
  nonModal = 0;
  plane = 0;
  incremental = false;
  inverseTime = false;
  inches = false;
  wcsIndex = 0;
  toolLengthDynamic = false;
  /** 61 or 64. */
  pathControl = 61;
  /** 0, 1, 2 or 30. */
  flow = 0;
  /** 3, 4 or 5. */
  spindle = 5;
  /** 7, 8 or 9. */
  coolant = 9;
  f = 0;
  l = 0;
  n = 0;
  p = 0;
  r = 0;
  s = 0;
  t = 0;
  /** X Y Z word values as written (file units). */
  readonly xyz = new Float64Array(3);
  /** I J K word values as written (file units). */
  readonly ijk = new Float64Array(3);

  /** Forget the previous line. Values need no clearing: the bit masks guard them. */
  reset(): void {
    this.commandBits = 0;
    this.valueBits = 0;
    this.axisBits = 0;
    this.ijkBits = 0;
    this.axisCommand = AXIS_CMD.none;
    this.nonModal = NON_MODAL.none;
  }
}

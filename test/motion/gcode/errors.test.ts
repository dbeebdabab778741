// Grbl's numbering of errors and alarms, and the GcodeError factory.
import { describe, expect, it } from 'vitest';
import { ERR, GRBL_ALARMS, GRBL_ERRORS, gcodeError } from '../../../motion/gcode/errors.js';

describe('Grbl error and alarm tables', () => {
  it('has a message for every Grbl 1.1 error code (1..17, 20..38) and alarm (1..10)', () => {
    const errorCodes = Object.keys(GRBL_ERRORS).map(Number);
    const expected = [
      ...Array.from({ length: 17 }, (_, k) => k + 1),
      ...Array.from({ length: 19 }, (_, k) => k + 20),
    ];
    expect(errorCodes.sort((a, b) => a - b)).toEqual(expected);
    expect(Object.keys(GRBL_ALARMS).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for (const code of Object.values(ERR)) expect(GRBL_ERRORS[code]).toBeTruthy();
  });

  it('builds a GcodeError with the line, the code and an optional detail', () => {
    expect(gcodeError(12, 20)).toEqual({ line: 12, code: 20, message: GRBL_ERRORS[20] });
    expect(gcodeError(3, 33, 'G2').message).toBe(`${GRBL_ERRORS[33]} (G2)`);
    expect(gcodeError(1, 99).message).toBe('G-code error 99');
  });
});

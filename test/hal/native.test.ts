import { describe, expect, it } from 'vitest';
import { HardwareUnavailableError, loadNative } from '../../hal/native.js';

describe('loadNative', () => {
  it('names the package, the board file and what to install when a package is missing', async () => {
    const err = await loadNative(
      'minifactory-no-such-native-package',
      'boards/rpi-stepstick.yaml',
      'Install it with: npm install x',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HardwareUnavailableError);
    const hw = err as HardwareUnavailableError;
    expect(hw.code).toBe('HARDWARE_UNAVAILABLE');
    expect(hw.pkg).toBe('minifactory-no-such-native-package');
    expect(hw.boardFile).toBe('boards/rpi-stepstick.yaml');
    expect(hw.message).toMatch(
      /^board boards\/rpi-stepstick\.yaml needs the package "minifactory-no-such-native-package", which could not be loaded \(.*\)\. Install it with: npm install x$/,
    );
    expect(hw.message).not.toContain('\n');
  });

  it('returns the default export of a CommonJS package', async () => {
    const yaml = await loadNative<{ parse: (text: string) => unknown }>('yaml', 'x', '');
    expect(yaml.parse('a: 1')).toEqual({ a: 1 });
  });
});

import { describe, expect, it } from 'vitest';
import { BackendLoadError, loadBackend, openBoardFromDefinition } from '../../hal/index.js';
import { asSimBoard } from '../../hal/sim/board.js';
import type { BackendName } from '../../hal/types.js';
import { cartesianPlant } from './sim/cartesian-plant.js';
import { simDefinition } from './sim/sim-definition.js';

describe('backend loader', () => {
  it('opens the sim backend on demand, opened and on the requested clock', async () => {
    const board = await openBoardFromDefinition(simDefinition(), {
      boardFile: 'boards/sim.yaml',
      clock: 'virtual',
      plant: cartesianPlant({ startMm: [1, 2, 3] }),
    });
    const sim = asSimBoard(board);
    expect(sim?.isOpen()).toBe(true);
    expect(sim?.virtualClock).toBeDefined();
    expect(board.capabilities.stepTiming).toBe('virtual');
    expect(Array.from(board.stepStream().positionSteps())).toEqual([80, 160, 1200]);
  });

  it('refuses an unknown backend by name', async () => {
    await expect(loadBackend('parport' as BackendName, 'my.yaml')).rejects.toThrow(
      /board my\.yaml: unknown backend "parport" \(expected one of sim, pigpio, gpiochip, i2c, firmata\)/,
    );
  });

  it('turns a backend module that fails to import into one clear error', async () => {
    const failing = async (): Promise<unknown> => {
      throw new Error("Cannot find module 'johnny-five'\n    at deep/native/stack.js:1:1");
    };
    const err = await loadBackend('firmata', 'boards/x.yaml', failing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendLoadError);
    expect((err as BackendLoadError).code).toBe('BACKEND_LOAD_FAILED');
    expect((err as Error).message).toBe(
      "board boards/x.yaml: the firmata backend (hal/firmata/board) failed to load: Cannot find module 'johnny-five'",
    );
  });

  it('refuses a backend module without openBoard', async () => {
    const empty = async (): Promise<unknown> => ({ something: 1 });
    await expect(loadBackend('i2c', 'b.yaml', empty)).rejects.toThrow(
      'board b.yaml: hal/i2c/board does not export openBoard',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { asSimBoard } from '../../hal/sim/board.js';
import { openMachineBoard } from '../../src/config/board.js';
import { machineConfigSchema } from '../../src/config/schema.js';
import { simPlantFromConfig } from '../../src/config/sim-plant.js';

function config(data: unknown) {
  return machineConfigSchema.parse(data);
}

describe('openMachineBoard', () => {
  it('opens the sim with the plant from the config (CoreXY, start position)', async () => {
    const cfg = config({
      kinematics: 'corexy',
      sim: { clock: 'virtual', startMm: { x: 10, y: 5, z: 2 } },
    });
    const board = await openMachineBoard(cfg, undefined);
    const sim = asSimBoard(board);
    expect(sim?.virtualClock).toBeDefined();
    // CoreXY at 80 steps/mm: a = (10 + 5) * 80, b = (10 - 5) * 80; z at 400 steps/mm.
    expect(Array.from(board.stepStream().positionSteps())).toEqual([1200, 400, 800]);
    expect(sim?.axesMm()).toEqual([10, 5, 2]);
  });

  it('takes the clock as an argument or an option over config.sim.clock', async () => {
    const cfg = config({});
    expect(cfg.sim.clock).toBe('real');
    const virtual = await openMachineBoard(cfg, { clock: 'virtual' });
    expect(asSimBoard(virtual)?.virtualClock).toBeDefined();
    const plant = simPlantFromConfig(cfg);
    const alsoVirtual = await openMachineBoard(cfg, plant, 'virtual');
    expect(asSimBoard(alsoVirtual)?.virtualClock).toBeDefined();
    const real = await openMachineBoard(cfg, undefined);
    expect(asSimBoard(real)?.virtualClock).toBeUndefined();
    await real.close();
  });

  it('places the limit switches from the config: Z closes 1 mm above its 80 mm travel', async () => {
    const cfg = config({ sim: { clock: 'virtual', startMm: { x: 0, y: 0, z: 81 } } });
    const board = await openMachineBoard(cfg, undefined);
    expect(board.input('limitZ')?.read()).toBe(true);
    expect(board.input('limitX')?.read()).toBe(false);
  });

  it('refuses an unknown board name with a ConfigError', async () => {
    await expect(openMachineBoard(config({ board: 'nope' }), undefined)).rejects.toThrow(
      /unknown board "nope"/,
    );
  });
});

// Small machine configs for the MQTT tests: the simulated board on the real clock, fast axes
// with few steps per mm so that jobs take a fraction of a second, no Grbl server.
import { validate } from '../../../src/config/load.js';
import { machineConfigSchema, type MachineConfig } from '../../../src/config/schema.js';

/** A sim machine config with the given id and mqtt section. */
export function simConfig(id: string, mqtt: Record<string, unknown>): MachineConfig {
  const axis = { stepsPerMm: 10, maxRateMmMin: 6000, accelMmS2: 2000, travelMm: 400 };
  return validate(
    machineConfigSchema,
    {
      id,
      board: 'sim',
      axes: { x: axis, y: axis, z: { ...axis, travelMm: 100 } },
      sim: { clock: 'real' },
      // Several machines, brokers and test files share two cores: a generous queue keeps a
      // scheduling hiccup from running the simulated stream dry (an underrun alarm).
      maxQueuedMs: 500,
      grbl: { enabled: false },
      mqtt,
    },
    `(test config ${id})`,
  );
}

/**
 * A job of `moves` straight moves of `stepMm` along X then back and forth in Y, at
 * `feedMmMin`; it ends at the returned position (machine = work coordinates at power-on).
 */
export function zigzagJob(
  moves: number,
  stepMm: number,
  feedMmMin: number,
): { gcode: string; endMm: { x: number; y: number; z: number } } {
  const lines = ['G21 G90', `G1 F${feedMmMin}`];
  let x = 0;
  let y = 0;
  for (let i = 0; i < moves; i++) {
    if (i % 2 === 0) x += stepMm;
    else y = y === 0 ? stepMm : 0;
    lines.push(`G1 X${x} Y${y}`);
  }
  return { gcode: `${lines.join('\n')}\n`, endMm: { x, y, z: 0 } };
}

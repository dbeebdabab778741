import { describe, expect, it } from 'vitest';
import type { MachineStateName } from '../../src/machine/types.js';
import { drive, rig, runUntil, ticks } from './helpers.js';

const HOMING = { homing: { enabled: true, debounceMs: 10 } };

describe('homing', () => {
  it('starts in Alarm (homing required) and refuses G-code until homed', async () => {
    const r = await rig(HOMING);
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 11, positionKnown: false });
    expect(await r.machine.gcode('G1 X10 F100')).toEqual([
      { ok: false, error: expect.objectContaining({ code: 9 }) },
    ]);
  });

  it('homes Z then X and Y: machine position at travel, plant at the switch minus pull-off', async () => {
    const r = await rig({ ...HOMING, sim: { startMm: { x: 120, y: 80, z: 30 } } });
    const states: MachineStateName[] = [];
    r.machine.on('state', (s) => states.push(s.state));
    const result = await drive(r.clock, r.machine.gcode('$H'));
    expect(result).toEqual([{ ok: true }]);
    const status = r.machine.status();
    expect(status).toMatchObject({ state: 'Idle', alarm: null, positionKnown: true });
    expect(status.machinePositionMm).toEqual({ x: 300, y: 300, z: 80 });
    // The switch closes 1 mm beyond travel; the pull-off is 1 mm: the plant agrees exactly.
    const [x, y, z] = r.sim.axesMm();
    expect(x).toBeCloseTo(300, 9);
    expect(y).toBeCloseTo(300, 9);
    expect(z).toBeCloseTo(80, 9);
    expect(states).toEqual(['Home', 'Idle']);
    // Z went first: it reached its switch before X or Y moved.
    const inputs = r.sim.signalLog().filter((e) => e.kind === 'input' && e.value === true);
    expect(inputs[0].role).toBe('limitZ');
    expect(r.machine.isHomed()).toBe(true);
  });

  it('$HX homes one axis', async () => {
    const r = await rig({ ...HOMING, sim: { startMm: { x: 10, y: 20, z: 30 } } });
    expect(await drive(r.clock, r.machine.gcode('$HX'))).toEqual([{ ok: true }]);
    expect(r.machine.status().machinePositionMm).toEqual({ x: 300, y: 20, z: 30 });
  });

  it('homes at its own rates whatever the feed override, as Grbl', async () => {
    const elapsedUs: number[] = [];
    for (const coarseDowns of [0, 5]) {
      const r = await rig({ ...HOMING, sim: { startMm: { x: 10, y: 20, z: 30 } } });
      for (let i = 0; i < coarseDowns; i++) r.machine.override('feed', 'coarseDown');
      expect(r.machine.status().overrides.feedPct).toBe(100 - 10 * coarseDowns);
      const t0 = r.clock.nowUs();
      expect(await drive(r.clock, r.machine.gcode('$HX'))).toEqual([{ ok: true }]);
      elapsedUs.push(r.clock.nowUs() - t0);
    }
    expect(elapsedUs[1]).toBe(elapsedUs[0]);
  });

  it('alarm 9 when a switch is not found within 1.5 x travel', async () => {
    const r = await rig({ ...HOMING, sim: { limitMarginMm: 50 } });
    const [result] = await drive(r.clock, r.machine.gcode('$H'));
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 9 }) });
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 9 });
    // Z searched exactly 1.5 x 80 mm, then stopped.
    expect(r.sim.axesMm()[2]).toBeCloseTo(120, 6);
  });

  it('alarm 8 when the pull-off does not clear the switch', async () => {
    const r = await rig({ homing: { enabled: true, debounceMs: 10, pullOffMm: 0 } });
    const [result] = await drive(r.clock, r.machine.gcode('$H'));
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 8 }) });
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 8 });
  });

  it('alarm 6 on reset during homing, alarm 7 when the door opens', async () => {
    for (const [act, code] of [
      ['reset', 6],
      ['door', 7],
    ] as const) {
      const r = await rig(HOMING);
      const homing = r.machine.home();
      await runUntil(r.clock, () => r.sim.axesMm()[2] > 20);
      if (act === 'reset') r.machine.reset();
      else r.sim.setInput('door', true);
      const result = await drive(r.clock, homing);
      expect(result).toEqual({ ok: false, error: expect.objectContaining({ code }) });
      expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: code });
      const zMm = r.sim.axesMm()[2];
      r.clock.advanceUs(1_000_000);
      await ticks();
      expect(r.sim.axesMm()[2]).toBe(zMm);
    }
  });

  it('homing disabled: $H is refused with error 5', async () => {
    const r = await rig();
    expect(await r.machine.gcode('$H')).toEqual([
      { ok: false, error: expect.objectContaining({ code: 5 }) },
    ]);
  });
});

describe('soft limits', () => {
  const SOFT = { ...HOMING, limits: { soft: true } };

  it('a whole job that would leave travel is refused before any motion, with alarm 2', async () => {
    const r = await rig(SOFT);
    await drive(r.clock, r.machine.home());
    const homedX = r.sim.axesMm()[0];
    const result = await r.machine.startJob('job', 'G1 X200 F3000\nG4 P0.1\nG1 X350\nG1 X100');
    expect(result).toEqual({
      ok: false,
      error: { code: 2, message: expect.stringContaining('line 3 leaves the travel') },
    });
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 2, positionKnown: true });
    r.clock.advanceUs(2_000_000);
    expect(r.sim.axesMm()[0]).toBe(homedX);
  });

  it('a streamed job line leaving travel raises alarm 2 before it moves; position is kept', async () => {
    const r = await rig(SOFT);
    await drive(r.clock, r.machine.home());
    // A stream cannot be checked ahead, so the check is per line, as in Grbl. The dwell
    // lets the first line finish before the bad one is read (Grbl would also stop, by a
    // feed hold, whatever was still buffered ahead of it).
    async function* streamed(): AsyncIterable<string> {
      // Chunks of text, as a file stream or MQTT delivers them.
      yield* ['G1 X200 F3000\n', 'G4 P0.1\n', 'G1 X350\n', 'G1 X100\n'];
    }
    const alarm = new Promise((resolve) => r.machine.once('alarm', resolve));
    await r.machine.startJob('job', streamed());
    await drive(r.clock, alarm);
    const status = r.machine.status();
    expect(status).toMatchObject({ state: 'Alarm', alarm: 2, positionKnown: true });
    // The first line ran to its end; nothing of the second one moved.
    expect(r.sim.axesMm()[0]).toBeCloseTo(200, 9);
  });

  it('a jog leaving travel is refused with error 15 and nothing moves', async () => {
    const r = await rig(SOFT);
    await drive(r.clock, r.machine.home());
    expect(r.machine.jog('G91 X10 F1000')).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 15 }),
    });
    expect(r.machine.status().state).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(300, 9);
  });
});

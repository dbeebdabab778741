import { describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../../hal/clock.js';
import { SimBoard, asSimBoard, openBoard } from '../../../hal/sim/board.js';
import { cartesianPlant, type CartesianPlantSettings } from './cartesian-plant.js';
import { chunkOf, evenSteps } from './chunks.js';
import { simDefinition } from './sim-definition.js';

function board(settings: CartesianPlantSettings): { sim: SimBoard; clock: VirtualClock } {
  const sim = new SimBoard(simDefinition(), {
    boardFile: 'sim',
    clock: 'virtual',
    plant: cartesianPlant(settings),
  });
  if (sim.virtualClock === undefined) throw new Error('expected a virtual clock');
  return { sim, clock: sim.virtualClock };
}

describe('sim plant', () => {
  it('closes the X limit at the exact time of the step that crosses -margin, opens it back inside', () => {
    // 80 steps/mm, margin 1 mm: the switch closes at x = -1 mm, step -80.
    const { sim, clock } = board({ startMm: [0.5, 0, 0] }); // 40 steps from 0
    const limitX = sim.input('limitX');
    const edges: [boolean, number][] = [];
    limitX?.on('change', (active, tickUs) => edges.push([active, tickUs]));
    const stream = sim.stepStream();
    // 130 steps back, one every 100 µs: step k (0-based) at k*100 reaches 40-(k+1).
    stream.push(chunkOf(evenSteps(0, 130, 100, -1), 13_000));
    clock.advanceTo(11_799);
    expect(limitX?.read()).toBe(false);
    clock.advanceTo(11_900); // step 119 at 11,900 µs: position -80 steps = -1 mm
    expect(limitX?.read()).toBe(true);
    expect(edges).toEqual([[true, 11_900]]);
    clock.advanceTo(13_000);
    stream.push(chunkOf(evenSteps(0, 20, 100, 1), 2000));
    clock.advanceTo(20_000);
    // back at -90 then +20: -70 steps; reopened by the step that reached -79 (k=10, 14,000 µs)
    expect(edges).toEqual([
      [true, 11_900],
      [false, 14_000],
    ]);
    expect(sim.axesMm()[0]).toBeCloseTo(-70 / 80, 12);
  });

  it('closes the max-end switch at travel + margin and lets a listener stop the stream there', () => {
    const { sim, clock } = board({ travelMm: [300, 10, 80], startMm: [0, 9.5, 0] });
    const stream = sim.stepStream();
    let stoppedAt: Int32Array | undefined;
    sim.input('limitY')?.on('change', (active) => {
      if (active) stoppedAt = stream.stop();
    });
    // y from 760 steps to 880 (= 11 mm) needs 120 steps.
    stream.push(chunkOf(evenSteps(1, 300, 50), 15_000, false));
    clock.advanceTo(20_000);
    expect(stoppedAt?.[1]).toBe(880);
    expect(sim.motorSteps()[1]).toBe(880);
    expect(sim.pulseCount()).toBe(120);
  });

  it('activates the probe while z is at or below probeZMm', () => {
    // 400 steps/mm, probe at 2 mm: from z = 3 mm (1200 steps), 400 steps down.
    const { sim, clock } = board({ startMm: [0, 0, 3], probeZMm: 2 });
    const probe = sim.input('probe');
    let touchedUs: number | undefined;
    probe?.on('change', (active, tickUs) => {
      if (active) touchedUs = tickUs;
    });
    sim.stepStream().push(chunkOf(evenSteps(2, 500, 20, -1), 10_000));
    expect(clock.runUntil(() => probe?.read() === true, 1e6)).toBe(true);
    expect(touchedUs).toBe(399 * 20);
    expect(clock.nowUs()).toBe(399 * 20);
    expect(sim.axesMm()[2]).toBe(2);
  });

  it('starts with a switch closed when the start position is beyond it', () => {
    const { sim } = board({ startMm: [0, 0, -2] });
    expect(sim.input('limitZ')?.read()).toBe(true);
    expect(sim.input('limitX')?.read()).toBe(false);
  });

  it('lets a test toggle e-stop, door, hold, resume, reset with the time of the change', () => {
    const { sim, clock } = board({});
    const seen: string[] = [];
    for (const role of ['estop', 'door', 'hold'] as const) {
      sim.input(role)?.on('change', (active, tickUs) => seen.push(`${role}:${active}@${tickUs}`));
    }
    clock.advanceTo(500);
    sim.setInput('estop', true);
    sim.setInput('estop', true); // no edge
    clock.advanceTo(700);
    sim.setInput('door', true);
    sim.setInput('estop', false);
    expect(seen).toEqual(['estop:true@500', 'door:true@700', 'estop:false@700']);
    expect(sim.input('door')?.read()).toBe(true);
  });

  it('refuses to toggle an input the board does not wire', () => {
    const def = simDefinition();
    delete def.inputs.door;
    const sim = new SimBoard(def, {
      boardFile: 'x.yaml',
      clock: 'virtual',
      plant: cartesianPlant(),
    });
    expect(sim.input('door')).toBeUndefined();
    expect(() => sim.setInput('door', true)).toThrow(/no input door/);
  });
});

describe('sim outputs', () => {
  it('records every output and PWM write with its time; close() sets them safe', async () => {
    const board = await openBoard(simDefinition(), {
      boardFile: 'sim',
      clock: 'virtual',
      plant: cartesianPlant(),
    });
    const sim = asSimBoard(board);
    if (sim?.virtualClock === undefined) throw new Error('expected a virtual sim board');
    const clock = sim.virtualClock;
    board.output('enable')?.write(true);
    clock.advanceTo(1000);
    board.output('spindleEnable')?.write(true);
    board.pwm('spindle')?.setFrequency(5000);
    board.pwm('spindle')?.setDuty(0.25);
    clock.advanceTo(2500);
    board.pwm('spindle')?.setDuty(1.5);
    expect(board.pwm('spindle')?.duty()).toBe(1);
    clock.advanceTo(3000);
    await board.close();
    expect(sim.outputLog()).toEqual([
      { timeUs: 0, kind: 'output', role: 'enable', value: true },
      { timeUs: 1000, kind: 'output', role: 'spindleEnable', value: true },
      { timeUs: 1000, kind: 'pwmFrequency', role: 'spindle', value: 5000 },
      { timeUs: 1000, kind: 'pwmDuty', role: 'spindle', value: 0.25 },
      { timeUs: 2500, kind: 'pwmDuty', role: 'spindle', value: 1 },
      { timeUs: 3000, kind: 'output', role: 'enable', value: false },
      { timeUs: 3000, kind: 'output', role: 'spindleEnable', value: false },
      { timeUs: 3000, kind: 'output', role: 'spindleDir', value: false },
      { timeUs: 3000, kind: 'output', role: 'mist', value: false },
      { timeUs: 3000, kind: 'output', role: 'flood', value: false },
      { timeUs: 3000, kind: 'pwmDuty', role: 'spindle', value: 0 },
    ]);
    expect(board.pwm('spindle')?.frequencyHz()).toBe(5000);
    expect(sim.isOpen()).toBe(false);
  });

  it('needs the plant geometry', async () => {
    await expect(
      openBoard(simDefinition(), { boardFile: 'sim', clock: 'virtual' }),
    ).rejects.toThrow(/needs the machine's geometry/);
  });
});

// Overrides re-plan the path under way: overrides at awkward moments must end where an
// undisturbed run ends, raise no alarm, keep step times ordered and within the axes' rates,
// and never jump in speed across the cut by more than the acceleration allows.
import { describe, expect, it } from 'vitest';
import type { OverrideAction, OverrideTarget } from '../../src/machine/types.js';
import type { VecMm } from '../../motion/types.js';
import { rig, runUntil, settle, type TestRig } from './helpers.js';

type Extra = Record<string, unknown>;
type Change = [OverrideTarget, OverrideAction];

/** A job run to its end without overrides, its pulses recorded. */
async function undisturbedRun(extra: Extra, job: string): Promise<TestRig> {
  const r = await rig(extra);
  r.sim.recordPulses(true);
  await r.machine.startJob('plain', job);
  expect(await settle(r)).toBe('Idle');
  return r;
}

/** Final machine position (mm, from the step counters) of a job run without overrides. */
async function undisturbedEnd(extra: Extra, job: string): Promise<VecMm> {
  return (await undisturbedRun(extra, job)).machine.status().machinePositionMm;
}

/** Step times of each motor, µs, in emission order. */
function motorTimesUs(r: TestRig): number[][] {
  const out: number[][] = [[], [], []];
  for (const p of r.sim.pulses()) out[p.motor].push(p.timeUs);
  return out;
}

/**
 * Checks the recorded steps: times never go backwards and no two steps of a motor are closer
 * than its max rate allows (1 µs rounding). Returns the worst rate change between consecutive
 * step gaps of a motor beyond what accelStepsS2 over that interval and the ±1 µs rounding of
 * each gap explain (steps/s; ≤ 0 when none): junctions may add some, cuts should add none.
 */
function checkSteps(r: TestRig, minGapUs: number[], accelStepsS2: number): number {
  const all = r.sim.pulses();
  for (let i = 1; i < all.length; i++) {
    if (all[i].timeUs < all[i - 1].timeUs) throw new Error(`time goes back at ${all[i].timeUs}`);
  }
  const times = motorTimesUs(r);
  let worst = 0;
  for (let m = 0; m < 3; m++) {
    const t = times[m];
    for (let i = 1; i < t.length; i++) {
      const gapUs = t[i] - t[i - 1];
      if (gapUs < minGapUs[m] - 1) {
        throw new Error(`motor ${m}: steps ${gapUs} µs apart at ${t[i]} µs (min ${minGapUs[m]})`);
      }
    }
    for (let i = 2; i < t.length; i++) {
      const g1 = t[i - 1] - t[i - 2];
      const g2 = t[i] - t[i - 1];
      // Gaps this long are a start or a stop, not a rate.
      if (g1 > 20_000 || g2 > 20_000) continue;
      const jump = Math.abs(1e6 / g2 - 1e6 / g1);
      const allowed = (accelStepsS2 * (g1 + g2)) / 2e6 + 2e6 / Math.min(g1, g2) ** 2;
      worst = Math.max(worst, jump - allowed);
    }
  }
  return worst;
}

/** Runs job, applying each change when the predicate first holds; returns the rig. */
async function runWithChanges(
  extra: Extra,
  job: string,
  changes: { when: (r: TestRig) => boolean; apply: Change[] }[],
): Promise<{ r: TestRig; states: Set<string> }> {
  const r = await rig(extra);
  const states = new Set<string>();
  r.machine.on('state', (s) => states.add(s.state));
  r.sim.recordPulses(true);
  await r.machine.startJob('j', job);
  for (const change of changes) {
    await runUntil(r.clock, () => change.when(r) || r.machine.status().state === 'Idle');
    for (const [target, action] of change.apply) r.machine.override(target, action);
  }
  expect(await settle(r)).toBe('Idle');
  return { r, states };
}

/** Powered on mid-travel, so arcs below the start stay on the machine. */
const MID_TRAVEL = { sim: { startMm: { x: 150, y: 150, z: 40 } } };

const TEN_PCT: Change[] = Array.from({ length: 9 }, (): Change => ['feed', 'coarseDown']);
const TWO_HUNDRED_PCT: Change[] = [
  ['feed', 'reset'],
  ...Array.from({ length: 10 }, (): Change => ['feed', 'coarseUp']),
];
/** x/y: 100 mm/s at 80 steps/mm → 125 µs; z: 10 mm/s at 400 steps/mm → 250 µs. */
const MIN_GAP_US = [125, 125, 250];
/** 500 mm/s² at 80 steps/mm is 40000 steps/s² (5 % slack for the planner's rounding). */
const ACCEL_STEPS_S2 = 42_000;

/**
 * Runs the job with the changes and without: same end, to the step, no alarm, and no speed
 * jump the undisturbed run does not have.
 */
async function expectSameEnd(
  extra: Extra,
  job: string,
  changes: { when: (r: TestRig) => boolean; apply: Change[] }[],
  accelStepsS2 = ACCEL_STEPS_S2,
  minGapUs = MIN_GAP_US,
): Promise<TestRig> {
  const plain = await undisturbedRun(extra, job);
  const { r, states } = await runWithChanges(extra, job, changes);
  expect(states.has('Alarm')).toBe(false);
  expect(r.machine.status().machinePositionMm).toEqual(plain.machine.status().machinePositionMm);
  const plainWorst = checkSteps(plain, minGapUs, accelStepsS2);
  // No speed jump beyond the undisturbed run's own (its junctions), to the step.
  expect(checkSteps(r, minGapUs, accelStepsS2)).toBeLessThanOrEqual(plainWorst + 1);
  return r;
}

const x = (r: TestRig): number => r.machine.status().machinePositionMm.x;
const y = (r: TestRig): number => r.machine.status().machinePositionMm.y;

describe('override re-plan review', () => {
  it('10% then 200% on a long cut', async () => {
    await expectSameEnd({}, 'G1 X150 F3000', [
      { when: (r) => x(r) > 20, apply: TEN_PCT },
      { when: (r) => x(r) > 25, apply: TWO_HUNDRED_PCT },
    ]);
  });

  it('200% on a chain of short collinear moves', async () => {
    const job = Array.from({ length: 200 }, (_, i) => `G1 X${((i + 1) * 0.5).toFixed(1)} F2000`);
    await expectSameEnd({}, job.join('\n'), [
      { when: (r) => x(r) > 10, apply: TWO_HUNDRED_PCT },
      { when: (r) => x(r) > 40, apply: TEN_PCT },
    ]);
  });

  it('10% just before a sharp corner', async () => {
    await expectSameEnd({}, 'G1 X50 F6000\nG1 Y50\nG1 X0', [
      { when: (r) => x(r) > 45, apply: TEN_PCT },
    ]);
  });

  it('during arcs (G2/G3 chords), down and up', async () => {
    const job = 'G1 X20 F3000\nG2 X40 Y0 I10 J0\nG3 X60 Y0 I10 J0\nG2 X20 Y0 I-20 J0';
    await expectSameEnd(MID_TRAVEL, job, [
      { when: (r) => x(r) > 25, apply: TEN_PCT },
      { when: (r) => x(r) > 30, apply: TWO_HUNDRED_PCT },
      { when: (r) => x(r) > 50, apply: [['feed', 'reset']] },
    ]);
  });

  it('while the last move of the job decelerates', async () => {
    await expectSameEnd({}, 'G1 X20 F6000', [{ when: (r) => x(r) > 17, apply: TWO_HUNDRED_PCT }]);
    await expectSameEnd({}, 'G1 X20 F6000', [{ when: (r) => x(r) > 17, apply: TEN_PCT }]);
  });

  it('twice within 1 ms, and on a tiny move', async () => {
    const job = 'G1 X30 F3000\nG1 X30.01\nG1 X30.02 Y0.01\nG1 X60';
    await expectSameEnd({}, job, [
      { when: (r) => x(r) > 10, apply: [['feed', 'coarseDown']] },
      {
        when: (r) => x(r) > 10.005,
        apply: [
          ['feed', 'coarseUp'],
          ['feed', 'coarseUp'],
        ],
      },
      { when: (r) => x(r) >= 30.005, apply: TEN_PCT },
    ]);
  });

  it('rapid override 25 → 100 during a G0', async () => {
    await expectSameEnd({}, 'G0 X200 Y10', [
      { when: (r) => x(r) > 5, apply: [['rapid', 25]] },
      { when: (r) => x(r) > 40, apply: [['rapid', 100]] },
      { when: (r) => x(r) > 100, apply: [['rapid', 50]] },
    ]);
  });

  it('during a dwell and after a resume from hold', async () => {
    const expected = await undisturbedEnd({}, 'G1 X30 F3000\nG4 P0.5\nG1 X60');
    const r = await rig();
    r.sim.recordPulses(true);
    await r.machine.startJob('j', 'G1 X30 F3000\nG4 P0.5\nG1 X60');
    await runUntil(r.clock, () => x(r) >= 30);
    r.clock.advanceUs(100_000);
    r.machine.override('feed', 'coarseDown');
    await runUntil(r.clock, () => x(r) > 40);
    r.machine.hold();
    await runUntil(r.clock, () => r.machine.status().state === 'Hold');
    r.machine.resume();
    r.machine.override('feed', 'coarseUp');
    r.machine.override('feed', 'coarseUp');
    expect(await settle(r)).toBe('Idle');
    expect(r.machine.status().machinePositionMm).toEqual(expected);
    expect(checkSteps(r, MIN_GAP_US, ACCEL_STEPS_S2)).toBeLessThanOrEqual(1);
  });

  it('in corexy kinematics', async () => {
    const extra = { kinematics: 'corexy' };
    const job = 'G1 X40 Y10 F3000\nG1 X60 Y40\nG2 X80 Y40 I10 J0\nG1 X10 Y5';
    await expectSameEnd(
      extra,
      job,
      [
        { when: (r) => r.machine.status().machinePositionMm.x > 20, apply: TEN_PCT },
        { when: (r) => r.machine.status().machinePositionMm.x > 25, apply: TWO_HUNDRED_PCT },
      ],
      2 * ACCEL_STEPS_S2,
      // A corexy motor carries x + y: up to twice an axis's rate on a diagonal.
      MIN_GAP_US.map((g) => g / 2),
    );
  });

  it('with a small maxQueuedMs', async () => {
    const job = Array.from({ length: 60 }, (_, i) => `G1 X${(i + 1) * 2} Y${i % 2} F4000`);
    await expectSameEnd({ maxQueuedMs: 5 }, job.join('\n'), [
      { when: (r) => x(r) > 10, apply: TWO_HUNDRED_PCT },
      { when: (r) => x(r) > 30, apply: TEN_PCT },
      { when: (r) => x(r) > 33, apply: [['feed', 'reset']] },
    ]);
  });

  it('a jog keeps its speed and lands exactly; a jog cancel after an override stops', async () => {
    const r = await rig();
    r.sim.recordPulses(true);
    expect(r.machine.jog('G91 X30 F3000').ok).toBe(true);
    await runUntil(r.clock, () => x(r) > 5);
    for (const c of TEN_PCT) r.machine.override(...c);
    expect(await settle(r)).toBe('Idle');
    expect(r.machine.status().machinePositionMm.x).toBe(30);
    expect(checkSteps(r, MIN_GAP_US, ACCEL_STEPS_S2)).toBeLessThanOrEqual(1);
    expect(r.machine.jog('G91 Y30 F3000').ok).toBe(true);
    await runUntil(r.clock, () => y(r) > 5);
    for (const c of TWO_HUNDRED_PCT) r.machine.override(...c);
    r.machine.jogCancel();
    expect(await settle(r)).toBe('Idle');
    expect(y(r)).toBeLessThan(30);
    expect(r.machine.status().state).toBe('Idle');
  });

  it('a probe under way is not re-planned: steady speed, stops at contact', async () => {
    const r = await rig({ sim: { startMm: { x: 10, y: 10, z: 50 }, probeZMm: 20 } });
    r.sim.recordPulses(true);
    await r.machine.gcode('G38.2 Z0 F100');
    await runUntil(r.clock, () => r.machine.status().machinePositionMm.z < 40);
    for (const c of TEN_PCT) r.machine.override(...c);
    await runUntil(r.clock, () => r.machine.status().machinePositionMm.z < 30);
    for (const c of TWO_HUNDRED_PCT) r.machine.override(...c);
    expect(await settle(r)).toBe('Idle');
    const z = r.sim.axesMm()[2];
    expect(z).toBeLessThanOrEqual(20 + 1e-9);
    expect(z).toBeGreaterThan(20 - 1 / 400 - 1e-9);
    // 100 mm/min at 400 steps/mm: a step every 1500 µs from the first change to the touch.
    const zTimes = motorTimesUs(r)[2];
    const mid = zTimes.slice(2000, zTimes.length - 1);
    const gaps = new Set(mid.slice(1).map((t, i) => t - mid[i]));
    expect([...gaps].every((g) => Math.abs(g - 1500) <= 1)).toBe(true);
  });

  it('a probe keeps its programmed feed when the override was lowered before it, as Grbl', async () => {
    const r = await rig({ sim: { startMm: { x: 10, y: 10, z: 50 }, probeZMm: 20 } });
    for (const c of TEN_PCT) r.machine.override(...c);
    r.sim.recordPulses(true);
    await r.machine.gcode('G38.2 Z0 F100');
    expect(await settle(r)).toBe('Idle');
    // 100 mm/min at 400 steps/mm: a step every 1500 µs at cruise, not 15000 at 10 %.
    const zTimes = motorTimesUs(r)[2];
    const mid = Math.floor(zTimes.length / 2);
    expect(zTimes[mid + 1] - zTimes[mid]).toBe(1500);
  });

  it('an override during an M0 pause acts after the resume', async () => {
    const job = 'G1 X20 F3000\nM0\nG1 X80';
    const r = await rig();
    r.sim.recordPulses(true);
    await r.machine.startJob('j', job);
    await runUntil(r.clock, () => r.machine.status().state === 'Hold');
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    r.clock.advanceUs(1_000_000);
    expect(r.machine.resume().ok).toBe(true);
    await runUntil(r.clock, () => x(r) > 50);
    // 25 mm/s at 80 steps/mm: 500 µs per step.
    const t = motorTimesUs(r)[0];
    expect(t[t.length - 1] - t[t.length - 2]).toBe(500);
    expect(await settle(r)).toBe('Idle');
    expect(r.machine.status().machinePositionMm).toEqual({ x: 80, y: 0, z: 0 });
  });

  it('homing under feed overrides ends at the same place', async () => {
    const homing = {
      homing: { enabled: true, debounceMs: 10 },
      sim: { startMm: { x: 120, y: 80, z: 30 } },
    };
    const r = await rig(homing);
    const states = new Set<string>();
    r.machine.on('state', (st) => states.add(st.state));
    const done = r.machine.gcode('$H');
    await runUntil(r.clock, () => r.machine.status().state === 'Home' && r.sim.axesMm()[2] > 35);
    for (const c of TEN_PCT) r.machine.override(...c);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 150);
    for (const c of TWO_HUNDRED_PCT) r.machine.override(...c);
    await runUntil(r.clock, () => r.machine.status().state === 'Idle');
    expect(await done).toEqual([{ ok: true }]);
    expect(states.has('Alarm')).toBe(false);
    expect(r.machine.status().machinePositionMm).toEqual({ x: 300, y: 300, z: 80 });
    const [hx, hy, hz] = r.sim.axesMm();
    expect([hx, hy, hz].map((v) => Math.round(v * 1e6) / 1e6)).toEqual([300, 300, 80]);
  });

  it('laser M4 power stays within 0..1 and follows the braking after a 10% override', async () => {
    const r = await rig({ spindle: { laserMode: true } });
    await r.machine.startJob('laser', 'M4 S1000\nG1 X80 F3000\nM5');
    await runUntil(r.clock, () => x(r) > 30);
    for (const c of TEN_PCT) r.machine.override(...c);
    const changedUs = r.clock.nowUs();
    expect(await settle(r)).toBe('Idle');
    const duties = r.sim
      .outputLog()
      .filter((e) => e.kind === 'pwmDuty' && e.timeUs >= changedUs)
      .map((e) => e.value as number);
    expect(duties.length).toBeGreaterThan(0);
    expect(duties.every((d) => d >= 0 && d <= 1)).toBe(true);
    expect(r.machine.status().machinePositionMm.x).toBe(80);
  });
});

describe('override re-plan review: what the cut moves carry', () => {
  it('G93 inverse time: the partial move keeps its share of the time, scaled by the ratio', async () => {
    const r = await rig();
    r.sim.recordPulses(true);
    // 60 mm in 1/40 min = 1.5 s: 40 mm/s, a step every 312.5 µs.
    await r.machine.gcode('G93 G1 X60 F40');
    await runUntil(r.clock, () => x(r) > 20);
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    await runUntil(r.clock, () => x(r) > 40);
    // 20 mm/s: 625 µs per step.
    const t = motorTimesUs(r)[0];
    expect(t[t.length - 1] - t[t.length - 2]).toBe(625);
    expect(await settle(r)).toBe('Idle');
    expect(r.machine.status().machinePositionMm.x).toBe(60);
  });

  it('an override in the instant the first move is queued acts within the queued time', async () => {
    const r = await rig();
    r.sim.recordPulses(true);
    const startUs = r.clock.nowUs();
    await r.machine.gcode('G1 X50 F3000');
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    expect(await settle(r)).toBe('Idle');
    expect(r.machine.status().machinePositionMm.x).toBe(50);
    // The first 100 ms were already queued (the ramp to 50 mm/s); then braking to 25 mm/s
    // takes 50 ms: from there on never faster than 500 µs per step.
    const t = motorTimesUs(r)[0].filter((v) => v >= startUs + 150_000);
    expect(t.length).toBeGreaterThan(3000);
    expect(Math.min(...t.slice(1).map((v, k) => v - t[k]))).toBeGreaterThanOrEqual(499);
  });

  it('N line numbers in status never go back across re-plans', async () => {
    const job = Array.from(
      { length: 30 },
      (_, i) => `N${i + 1} G1 X${(i + 1) * 3} Y${i % 2} F4000`,
    );
    const r = await rig();
    await r.machine.startJob('n', job.join('\n'));
    const seen: number[] = [];
    const changes: Change[] = [...TEN_PCT, ...TWO_HUNDRED_PCT, ['feed', 'reset']];
    for (let k = 0; r.machine.status().state !== 'Idle'; k++) {
      const untilUs = r.clock.nowUs() + 7_000;
      await runUntil(
        r.clock,
        () => r.clock.nowUs() >= untilUs || r.machine.status().state === 'Idle',
      );
      const n = r.machine.status().lineNumber;
      if (n !== null) seen.push(n);
      r.machine.override(...changes[k % changes.length]);
    }
    expect(seen.length).toBeGreaterThan(50);
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1]);
    expect(seen[seen.length - 1]).toBe(30);
    expect(r.machine.status().machinePositionMm).toEqual({ x: 90, y: 1, z: 0 });
  });
});

describe('override re-plan review: holds in the same instant', () => {
  it('an override and a hold at the same instant, twice, end exactly', async () => {
    const job = 'G1 X40 Y5 F4000\nG1 X80 Y0\nG1 X120 Y5';
    const expected = await undisturbedEnd({}, job);
    const r = await rig();
    const states = new Set<string>();
    r.machine.on('state', (st) => states.add(st.state));
    r.sim.recordPulses(true);
    await r.machine.startJob('j', job);
    for (const atMm of [20, 70]) {
      await runUntil(r.clock, () => x(r) > atMm);
      r.machine.override('feed', 'coarseUp');
      r.machine.hold();
      r.machine.override('feed', 'coarseDown');
      await runUntil(r.clock, () => r.machine.status().state === 'Hold');
      r.clock.advanceUs(200_000);
      r.machine.resume();
      r.machine.override('rapid', 25);
      r.machine.override('feed', 'coarseDown');
    }
    expect(await settle(r)).toBe('Idle');
    expect(states.has('Alarm')).toBe(false);
    expect(r.machine.status().machinePositionMm).toEqual(expected);
    expect(checkSteps(r, MIN_GAP_US, ACCEL_STEPS_S2)).toBeLessThanOrEqual(1);
  });
});

describe('override re-plan review: a stop inside the queued path', () => {
  it('an override at the end of a flushed move acts on the next one, already queued', async () => {
    const r = await rig();
    const states = new Set<string>();
    r.machine.on('state', (st) => states.add(st.state));
    r.sim.recordPulses(true);
    // Interactive: the first line is flushed (no input yet, so it ends at rest); the next two
    // arrive while it runs and enter the queue behind that stop in its last 250 ms.
    await r.machine.gcode('G1 X100 F3000');
    await runUntil(r.clock, () => r.clock.nowUs() >= 10_000);
    const lines = r.machine.gcode('G1 X100 Y100\nG1 X0 Y100');
    await runUntil(r.clock, () => x(r) > 97);
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    await runUntil(r.clock, () => y(r) > 50);
    // The 100 mm y move runs at 50 % (25 mm/s: 500 µs per step), not at the old 50 mm/s.
    const yTimes = motorTimesUs(r)[1];
    expect(yTimes[yTimes.length - 1] - yTimes[yTimes.length - 2]).toBe(500);
    expect(r.machine.status().feedMmMin).toBeCloseTo(1500, 6);
    expect(await settle(r)).toBe('Idle');
    expect(await lines).toEqual([{ ok: true }, { ok: true }]);
    expect(states.has('Alarm')).toBe(false);
    expect(r.machine.status().machinePositionMm).toEqual({ x: 0, y: 100, z: 0 });
    // The stop at (100, 0) stayed a stop: x and y both idle there for a moment.
    const xTimes = motorTimesUs(r)[0];
    const lastX = xTimes.findIndex((t) => t > yTimes[0]);
    expect(yTimes[0] - xTimes[lastX - 1]).toBeGreaterThan(1000);
    expect(checkSteps(r, MIN_GAP_US, ACCEL_STEPS_S2)).toBeLessThanOrEqual(1);
  });
});

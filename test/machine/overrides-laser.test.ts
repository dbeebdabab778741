import { describe, expect, it } from 'vitest';
import { MotionPipeline } from '../../motion/pipeline.js';
import { durationS, speedAtS } from '../../motion/trapezoid.js';
import type { PlannedMove } from '../../motion/types.js';
import { motionSettingsFromConfig } from '../../src/config/motion-settings.js';
import { applyOverride } from '../../src/machine/overrides.js';
import { rig, runUntil, settle, type TestRig } from './helpers.js';

/** Times of the recorded x steps, µs. */
function xStepTimesUs(r: TestRig): number[] {
  return r.sim
    .pulses()
    .filter((p) => p.motor === 0)
    .map((p) => p.timeUs);
}

/** Gap between the first step at or after tUs and the next one, µs. */
function stepGapAfterUs(times: number[], tUs: number): number {
  const i = times.findIndex((t) => t >= tUs);
  return times[i + 1] - times[i];
}

/** Median gap between consecutive x steps over the middle of the recorded pulses, µs. */
function cruiseStepGapUs(r: TestRig): number {
  const times = xStepTimesUs(r);
  const mid = Math.floor(times.length / 2);
  return times[mid + 1] - times[mid];
}

describe('overrides', () => {
  it("follow Grbl's steps and limits", () => {
    let o = { feedPct: 100, rapidPct: 100, spindlePct: 100 };
    for (let i = 0; i < 12; i++) o = applyOverride(o, 'feed', 'coarseUp');
    expect(o.feedPct).toBe(200);
    o = applyOverride(o, 'feed', 'fineDown');
    expect(o.feedPct).toBe(199);
    for (let i = 0; i < 30; i++) o = applyOverride(o, 'spindle', 'coarseDown');
    expect(o.spindlePct).toBe(10);
    o = applyOverride(o, 'rapid', 25);
    expect(o.rapidPct).toBe(25);
    expect(applyOverride(o, 'rapid', 'coarseUp')).toBe(o);
    expect(applyOverride(o, 'feed', 'reset').feedPct).toBe(100);
  });

  it('feed override changes the actual step rate', async () => {
    const gaps: number[] = [];
    for (const steps of [0, 5]) {
      const r = await rig();
      for (let i = 0; i < steps; i++) r.machine.override('feed', 'coarseDown');
      r.sim.recordPulses(true);
      await r.machine.gcode('G1 X100 F3000');
      await settle(r);
      gaps.push(cruiseStepGapUs(r));
      expect(r.machine.status().overrides.feedPct).toBe(100 - steps * 10);
    }
    // 50 mm/s at 80 steps/mm: a step every 250 µs; at 50 %, every 500 µs.
    expect(gaps).toEqual([250, 500]);
  });

  it('spindle override scales the PWM duty', async () => {
    const r = await rig();
    await r.machine.gcode('M3 S500');
    await settle(r);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0.5);
    r.machine.override('spindle', 'coarseUp');
    r.machine.override('spindle', 'coarseUp');
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
  });
});

describe('laser mode', () => {
  const JOB = ['M4 S1000', 'G1 X20 F3000', 'G1 Y20', 'G0 X0 Y0', 'M5'].join('\n');

  it('M4 power follows actual speed through a corner and is off on G0 and at rest', async () => {
    const r = await rig({ spindle: { laserMode: true } });
    const planned: { move: PlannedMove; startS: number }[] = [];
    const pipeline = new MotionPipeline(motionSettingsFromConfig(r.config), {
      stepTiming: false,
      stopOnSpindleChange: false,
      onPlanned: (move, startS) => planned.push({ move, startS }),
    });
    JOB.split('\n').forEach((line, i) => pipeline.feedLine(line, i + 1));
    pipeline.finish();
    const startUs = r.clock.nowUs();
    await r.machine.startJob('laser', JOB);
    await settle(r);
    const duties = r.sim
      .outputLog()
      .filter((e) => e.kind === 'pwmDuty' && e.timeUs >= startUs)
      .map((e) => ({ tS: (e.timeUs - startUs) / 1e6, duty: e.value as number }));
    const expectedAt = (tS: number): number => {
      const p = planned.find((q) => tS >= q.startS && tS < q.startS + durationS(q.move));
      if (p === undefined || p.move.rapid) return 0;
      return speedAtS(p.move, tS - p.startS) / p.move.requestedSpeedMmS;
    };
    expect(duties.length).toBeGreaterThan(100);
    for (const { tS, duty } of duties) expect(duty).toBeCloseTo(expectedAt(tS), 6);
    // Full power at cruise, a dim corner, dark during the rapid and at the end.
    const corner = planned[0].startS + durationS(planned[0].move);
    const nearCorner = duties.filter((d) => Math.abs(d.tS - corner) < 0.003);
    expect(Math.max(...duties.map((d) => d.duty))).toBeCloseTo(1, 6);
    expect(Math.max(...nearCorner.map((d) => d.duty))).toBeLessThan(0.2);
    const rapid = planned.find((p) => p.move.rapid);
    const rapidDuties = duties.filter(
      (d) =>
        rapid !== undefined && d.tS > rapid.startS && d.tS < rapid.startS + durationS(rapid.move),
    );
    expect(rapidDuties.length).toBeGreaterThan(0);
    expect(rapidDuties.every((d) => d.duty === 0)).toBe(true);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
  });
});

describe('laser mode under a feed override', () => {
  it('M4 power scales with actual over programmed speed, so 50 % feed gives half power', async () => {
    const r = await rig({ spindle: { laserMode: true } });
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    const startUs = r.clock.nowUs();
    await r.machine.startJob('laser', 'M4 S1000\nG1 X40 F3000\nM5');
    expect(await settle(r)).toBe('Idle');
    const duties = r.sim
      .outputLog()
      .filter((e) => e.kind === 'pwmDuty' && e.timeUs >= startUs)
      .map((e) => e.value as number);
    // 25 mm/s actual over 50 mm/s programmed at cruise: the energy per mm of 100 %.
    expect(Math.max(...duties)).toBeCloseTo(0.5, 6);
  });
});

describe('overrides during a job', () => {
  it('a hold after an override re-plan stops on the path and resumes to the exact end', async () => {
    const r = await rig();
    await r.machine.gcode('G1 X60 Y30 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 10);
    r.machine.override('feed', 'coarseUp');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 30);
    r.machine.hold();
    await runUntil(r.clock, () => r.machine.status().state === 'Hold');
    r.clock.advanceUs(1_000_000);
    const [x, y] = r.sim.axesMm();
    // Stopped on the line from the origin to (60, 30), one step at most off it.
    expect(Math.abs(y - x / 2)).toBeLessThanOrEqual(1 / 80);
    r.machine.resume();
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm().slice(0, 2)).toEqual([60, 30]);
  });

  it('a feed override slows a long move under way within the queued time, and speeds it up', async () => {
    const r = await rig();
    r.sim.recordPulses(true);
    // One 100 mm move at 50 mm/s: 2 s, with nothing behind it to re-plan but itself.
    await r.machine.gcode('G1 X100 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    const slowedUs = r.clock.nowUs();
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 50);
    const spedUs = r.clock.nowUs();
    r.machine.override('feed', 'reset');
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(100, 9);
    const xTimes = xStepTimesUs(r);
    expect(xTimes).toHaveLength(8000);
    const gapAfter = (tUs: number): number => stepGapAfterUs(xTimes, tUs);
    // 250 µs per step at 50 mm/s; 500 at 25 mm/s, reached within the queued 100 ms plus the
    // 50 ms of braking (500 mm/s²), not at the end of the move.
    expect(gapAfter(slowedUs - 50_000)).toBe(250);
    expect(gapAfter(slowedUs + 200_000)).toBe(500);
    expect(gapAfter(spedUs + 200_000)).toBe(250);
  });

  it('a feed override mid-job slows the moves not yet final within the lookahead', async () => {
    const r = await rig();
    const job = Array.from({ length: 40 }, (_, i) => `G1 X${(i + 1) * 5} F3000`).join('\n');
    r.sim.recordPulses(true);
    await r.machine.startJob('j', job);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 50);
    const changedUs = r.clock.nowUs();
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(200, 9);
    const xTimes = xStepTimesUs(r);
    const gapAfter = (tUs: number): number => stepGapAfterUs(xTimes, tUs);
    // Full speed before the change, half speed within the lookahead (250 ms) after it.
    expect(gapAfter(changedUs - 100_000)).toBe(250);
    expect(gapAfter(changedUs + 600_000)).toBe(500);
  });
});

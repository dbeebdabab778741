import { describe, expect, it } from 'vitest';
import { MotionPipeline } from '../../motion/pipeline.js';
import { motionSettingsFromConfig } from '../../src/config/motion-settings.js';
import { rig, settle } from './helpers.js';

const JOB = [
  'G21 G90',
  'G1 X10 Y5 F3000',
  'G1 X40 Y20',
  'G2 X60 Y40 I10 J10',
  'G0 Z5',
  'G1 X0 Y0 F6000',
].join('\n');

describe('jobs', () => {
  it('runs a job to the planned position in the planned time', async () => {
    const r = await rig();
    const pipeline = new MotionPipeline(motionSettingsFromConfig(r.config), { chunkUs: 12_500 });
    JOB.split('\n').forEach((line, i) => pipeline.feedLine(line, i + 1));
    pipeline.finish();
    const plan = pipeline.snapshot();
    const startUs = r.clock.nowUs();
    const result = await r.machine.startJob('demo', JOB);
    expect(result).toEqual({ ok: true });
    expect(await settle(r)).toBe('Idle');
    const status = r.machine.status();
    expect(status.machinePositionMm.x).toBeCloseTo(plan.finalPositionMm.x, 6);
    expect(status.machinePositionMm.y).toBeCloseTo(plan.finalPositionMm.y, 6);
    expect(status.machinePositionMm.z).toBeCloseTo(plan.finalPositionMm.z, 6);
    expect(Array.from(r.sim.motorSteps())).toEqual(plan.steps);
    const durationS = (r.clock.nowUs() - startUs) / 1e6;
    // The last step lands on the planned end, rounded to the µs the stream works in.
    expect(Math.abs(durationS - plan.durationS)).toBeLessThan(5e-6);
  });
});

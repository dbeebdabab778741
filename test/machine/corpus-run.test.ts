// Real CAM, laser and plotter jobs from ../shared/gcode run through the whole machine on the
// simulated board (virtual clock): they must end where gcode-toolpath's reading ends
// (reference.json), to the step, with no alarm, resuming at each program pause (M0, M6).
// Without the corpus these tests report themselves skipped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MachineStateName } from '../../src/machine/types.js';
import { gcodeDir, haveCorpus, referenceFiles } from '../plan/reference-data.js';
import { rig, runUntil } from './helpers.js';

/** Mid-sized jobs that cover arcs, a laser in M3, a pen plotter and a tool change. */
const JOBS = [
  'mill_vectric_demo.gcode',
  'mill_arcs_arrows_fluidnc.nc',
  'laser_jscut_jsdc_M3.gcode',
  'pen_plotter_grblplotter_popup.nc',
];
const STEPS_PER_MM = { x: 80, y: 80, z: 400 };
/** A machine large enough for every job, powered on in the middle of its travel. */
const BIG_MACHINE = {
  axes: {
    x: { stepsPerMm: STEPS_PER_MM.x, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 1000 },
    y: { stepsPerMm: STEPS_PER_MM.y, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 1000 },
    z: { stepsPerMm: STEPS_PER_MM.z, maxRateMmMin: 600, accelMmS2: 50, travelMm: 1000 },
  },
  sim: { startMm: { x: 500, y: 500, z: 500 } },
};

describe.skipIf(!haveCorpus)('real jobs through the machine', () => {
  const reference = new Map(referenceFiles().map((f) => [f.file, f]));
  for (const file of JOBS) {
    it(`${file} ends at the reference's final position, without an alarm`, async () => {
      const expected = reference.get(file)?.finalPosition;
      expect(expected).toBeDefined();
      const r = await rig({ ...BIG_MACHINE, spindle: { laserMode: file.startsWith('laser') } });
      const states = new Set<MachineStateName>();
      r.machine.on('state', (s) => states.add(s.state));
      // Work zero where the machine stands, as the demo job does, in every work coordinate
      // system (the plotter's file switches to G55).
      const zeros = [1, 2, 3, 4, 5, 6].map((p) => `G10 L20 P${p} X0 Y0 Z0`).join('\n');
      const text = `${zeros}\n${readFileSync(join(gcodeDir, file), 'utf8')}`;
      let finished = false;
      void r.machine.startJob(file, text).finally(() => {
        finished = true;
      });
      let pauses = 0;
      while (!finished) {
        await runUntil(r.clock, () => finished || r.machine.status().state === 'Hold', 3600e6);
        if (!finished) {
          pauses++;
          expect(r.machine.resume().ok).toBe(true);
        }
      }
      expect(states.has('Alarm')).toBe(false);
      expect(pauses).toBeLessThan(10);
      const work = r.machine.status().workPositionMm;
      for (const axis of ['x', 'y', 'z'] as const) {
        // Within half a step: the motors stand on the nearest step to the target.
        expect(Math.abs(work[axis] - (expected?.[axis] ?? NaN))).toBeLessThanOrEqual(
          0.5 / STEPS_PER_MM[axis] + 1e-9,
        );
      }
    });
  }
});

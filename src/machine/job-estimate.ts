// A job's duration from a dry run of the motion core, for the time-left estimate.
import { MotionPipeline } from '../../motion/pipeline.js';
import type { VecMm } from '../../motion/types.js';
import { motionSettingsFromConfig } from '../config/motion-settings.js';
import type { MachineConfig } from '../config/schema.js';

/** Jobs longer than this get no estimate: the dry run would hold up the start. */
export const MAX_ESTIMATED_LINES = 200_000;

/** Duration of a job (motion and dwells) from planning it without step timing, s. */
export function estimateJobS(config: MachineConfig, text: string, startMm: VecMm): number | null {
  const lines = text.split(/\r?\n|\r/);
  if (lines.length > MAX_ESTIMATED_LINES) return null;
  const pipeline = new MotionPipeline(motionSettingsFromConfig(config), {
    startMm,
    stepTiming: false,
    stopOnSpindleChange: !config.spindle.laserMode,
    maxErrorsKept: 0,
  });
  lines.forEach((line, i) => pipeline.feedLine(line, i + 1));
  pipeline.finish();
  return pipeline.snapshot().durationS;
}

// A dry run of a job through the motion core before it starts: its duration, for the
// time-left estimate, and the first line that would leave the travel, so that with soft
// limits on a job is refused before any motion rather than stopped halfway.
import { MotionPipeline } from '../../motion/pipeline.js';
import { AXES, type MotionSettings, type VecMm } from '../../motion/types.js';
import type { MachineConfig } from '../config/schema.js';

/** Jobs longer than this get no estimate: the dry run would hold up the start. */
export const MAX_ESTIMATED_LINES = 200_000;

/** Slack on the travel bounds, so that a move to exactly 0 or travelMm is inside. */
const TRAVEL_EPSILON_MM = 1e-6;

export interface JobPreview {
  /** Duration of motion and dwells, s; null when the job was too long to estimate. */
  durationS: number | null;
  /** First line whose move ends outside [0, travelMm] on some axis; null if none (or unchecked). */
  firstLineOutsideTravel: number | null;
}

/** Whether a machine position lies outside the configured travel [0, travelMm]. */
export function outsideTravel(config: MachineConfig, targetMm: VecMm): boolean {
  for (const axis of AXES) {
    const v = targetMm[axis];
    const travelMm = config.axes[axis].travelMm;
    if (v < -TRAVEL_EPSILON_MM || v > travelMm + TRAVEL_EPSILON_MM) return true;
  }
  return false;
}

/**
 * Plans a job without step timing. The travel check, when asked for, runs whatever the
 * job's length (a soft limit must not depend on it); the estimate only up to
 * MAX_ESTIMATED_LINES.
 */
export function previewJob(
  config: MachineConfig,
  settings: MotionSettings,
  text: string,
  startMm: VecMm,
  checkTravel: boolean,
): JobPreview {
  const lines = text.split(/\r?\n|\r/);
  const estimate = lines.length <= MAX_ESTIMATED_LINES;
  if (!estimate && !checkTravel) return { durationS: null, firstLineOutsideTravel: null };
  let firstLineOutsideTravel: number | null = null;
  const pipeline = new MotionPipeline(settings, {
    startMm,
    stepTiming: false,
    stopOnSpindleChange: !config.spindle.laserMode,
    maxErrorsKept: 0,
    ...(checkTravel
      ? {
          onMove: (move) => {
            if (firstLineOutsideTravel === null && outsideTravel(config, move.targetMm)) {
              firstLineOutsideTravel = move.line;
            }
          },
        }
      : {}),
  });
  for (let i = 0; i < lines.length; i++) {
    pipeline.feedLine(lines[i], i + 1);
    if (firstLineOutsideTravel !== null) break;
  }
  pipeline.finish();
  return {
    durationS: estimate && firstLineOutsideTravel === null ? pipeline.snapshot().durationS : null,
    firstLineOutsideTravel,
  };
}

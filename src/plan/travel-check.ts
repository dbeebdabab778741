// Warns where a toolpath leaves the machine's travel, taken as [0, travelMm] per axis.
import type { BoundsMm } from '../../motion/pipeline.js';
import { AXES, type MotionSettings } from '../../motion/types.js';
import { formatFixed } from './report.js';

/** Tolerance for rounding in the G-code's coordinates, mm. */
const SLACK_MM = 1e-6;

/** One message per axis end the toolpath goes beyond; empty when it fits. */
export function travelWarnings(bounds: BoundsMm | null, settings: MotionSettings): string[] {
  if (bounds === null) return [];
  const warnings: string[] = [];
  for (const axis of AXES) {
    const travelMm = settings.axes[axis].travelMm;
    const range = `travel 0..${travelMm} mm`;
    if (bounds.min[axis] < -SLACK_MM) {
      warnings.push(`${axis} reaches ${formatFixed(bounds.min[axis], 3)} mm, below 0 (${range})`);
    }
    if (bounds.max[axis] > travelMm + SLACK_MM) {
      warnings.push(
        `${axis} reaches ${formatFixed(bounds.max[axis], 3)} mm, beyond ${travelMm} (${range})`,
      );
    }
  }
  return warnings;
}

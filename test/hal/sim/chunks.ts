// Test helper: step chunks from readable event lists.
import type { StepChunk } from '../../../hal/types.js';

/** [time from chunk start µs, motor, dir] */
export type StepEvent = [timeUs: number, motor: number, dir: number];

/** A chunk holding exactly these events (sorted by the caller). */
export function chunkOf(events: StepEvent[], durationUs: number, endsAtRest = true): StepChunk {
  return {
    startUs: 0,
    durationUs,
    count: events.length,
    timeUs: Uint32Array.from(events.map((e) => e[0])),
    motor: Uint8Array.from(events.map((e) => e[1])),
    dir: Int8Array.from(events.map((e) => e[2])),
    endsAtRest,
  };
}

/** n steps of one motor, one every periodUs starting at offsetUs, in direction dir. */
export function evenSteps(
  motor: number,
  n: number,
  periodUs: number,
  dir = 1,
  offsetUs = 0,
): StepEvent[] {
  return Array.from({ length: n }, (_, i): StepEvent => [offsetUs + i * periodUs, motor, dir]);
}

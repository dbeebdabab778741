// Independent reference for step times: the motor position as a function of time from the
// textbook trapezoid, and every half-step crossing solved with the plain quadratic formula.
import type { MotionSettings, PlannedMove, StepChunk, VecMm } from '../../../motion/types.js';
import type { StepGenerator } from '../../../motion/stepper.js';

export interface StepEvent {
  timeUs: number;
  motor: number;
  dir: number;
}

/** Motor positions in steps: Cartesian, or CoreXY a = x + y, b = x − y (each in its steps). */
export function motorSteps(settings: MotionSettings, p: VecMm): number[] {
  const x = p.x * settings.axes.x.stepsPerMm;
  const y = p.y * settings.axes.y.stepsPerMm;
  const z = p.z * settings.axes.z.stepsPerMm;
  return settings.kinematics === 'corexy' ? [x + y, x - y, z] : [x, y, z];
}

/** Time (s) at which the move has covered sMm, from its phase times by the quadratic formula. */
export function crossingTimeS(m: PlannedMove, sMm: number): number {
  const a = m.accelMmS2;
  const v0 = m.startSpeedMmS;
  const vc = m.cruiseSpeedMmS;
  // The first phase brakes when the move starts above its cruise speed (after an override).
  const a1 = v0 > vc ? -a : a;
  const accelMm = v0 * m.accelTimeS + 0.5 * a1 * m.accelTimeS ** 2;
  const cruiseMm = vc * m.cruiseTimeS;
  if (sMm <= accelMm) return (-v0 + Math.sqrt(Math.max(0, v0 * v0 + 2 * a1 * sMm))) / a1;
  if (sMm <= accelMm + cruiseMm) return m.accelTimeS + (sMm - accelMm) / vc;
  const into = sMm - accelMm - cruiseMm;
  return m.accelTimeS + m.cruiseTimeS + (vc - Math.sqrt(Math.max(0, vc * vc - 2 * a * into))) / a;
}

function moveTimeS(m: PlannedMove): number {
  return m.accelTimeS + m.cruiseTimeS + m.decelTimeS;
}

/**
 * Every step of moves run back to back from startUs, per the rule: a motor at n steps moves
 * to n ± 1 when its ideal position crosses n ± 0.5. Returned in time order per motor.
 */
export function expectedSteps(
  settings: MotionSettings,
  moves: PlannedMove[],
  startUs = 0,
): StepEvent[][] {
  const perMotor: StepEvent[][] = [[], [], []];
  const position = motorSteps(settings, moves[0].startMm).map((p) => Math.round(p));
  let t0Us = startUs;
  for (const m of moves) {
    const from = motorSteps(settings, m.startMm);
    const to = motorSteps(settings, m.endMm);
    for (let motor = 0; motor < 3; motor++) {
      const target = Math.round(to[motor]);
      const dir = Math.sign(target - position[motor]);
      while (position[motor] !== target) {
        const threshold = position[motor] + dir / 2;
        const sMm = ((threshold - from[motor]) / (to[motor] - from[motor])) * m.distMm;
        perMotor[motor].push({ timeUs: t0Us + crossingTimeS(m, sMm) * 1e6, motor, dir });
        position[motor] += dir;
      }
    }
    t0Us += moveTimeS(m) * 1e6;
  }
  return perMotor;
}

/** Drains a generator; returns the chunks and their events at absolute times. */
export function drain(
  gen: StepGenerator,
  maxChunks = 1_000_000,
): { chunks: StepChunk[]; events: StepEvent[] } {
  const chunks: StepChunk[] = [];
  const events: StepEvent[] = [];
  for (let i = 0; i < maxChunks; i++) {
    const chunk = gen.nextChunk();
    if (!chunk) break;
    chunks.push(chunk);
    for (let e = 0; e < chunk.count; e++) {
      events.push({
        timeUs: chunk.startUs + chunk.timeUs[e],
        motor: chunk.motor[e],
        dir: chunk.dir[e],
      });
    }
  }
  return { chunks, events };
}

/** Splits events by motor, keeping their order. */
export function byMotor(events: StepEvent[]): StepEvent[][] {
  const out: StepEvent[][] = [[], [], []];
  for (const e of events) out[e.motor].push(e);
  return out;
}

/** Largest |generated − exact| step time (µs); -1 when the step sequences differ. */
export function maxTimeErrorUs(generated: StepEvent[][], expected: StepEvent[][]): number {
  let worst = 0;
  for (let motor = 0; motor < 3; motor++) {
    if (generated[motor].length !== expected[motor].length) return -1;
    for (let i = 0; i < expected[motor].length; i++) {
      if (generated[motor][i].dir !== expected[motor][i].dir) return -1;
      worst = Math.max(worst, Math.abs(generated[motor][i].timeUs - expected[motor][i].timeUs));
    }
  }
  return worst;
}

// The machine the simulator drives: axis positions from the steps the motors actually took,
// a limit switch per axis that closes just beyond either end of travel (Grbl wires min and
// max on one pin), a probe that touches at a height, and a check that every pulse respects
// the drivers' minimum pulse width and direction setup time.
import type { InputRole, MotorDef, SimPlantOptions } from '../types.js';
import type { SimInput } from './signals.js';

const LIMIT_ROLES = ['limitX', 'limitY', 'limitZ'] as const;
type PlantRole = (typeof LIMIT_ROLES)[number] | 'probe';

/** Positions within this of a switch point count as reaching it (steps/mm rounding). */
const EPSILON_MM = 1e-9;

/** A pulse the motor driver would have missed or mis-stepped. */
export interface TimingViolation {
  motor: number;
  timeUs: number;
  /** Time since the motor's previous step, µs. */
  gapUs: number;
  /** The least gap the driver needs, µs. */
  minGapUs: number;
  reason: 'period' | 'dirSetup';
}

/** Keeps the physical state; the stream reports every emitted step to onStep. */
export class SimPlant {
  private readonly steps: Int32Array;
  private readonly switchState = new Map<PlantRole, boolean>();
  private readonly lastStepUs: Float64Array;
  private readonly lastDir: Int8Array;
  private readonly violations: TimingViolation[] = [];
  private violationCount = 0;

  constructor(
    private readonly options: SimPlantOptions,
    private readonly motors: readonly MotorDef[],
    private readonly inputs: ReadonlyMap<InputRole, SimInput>,
    startUs: number,
  ) {
    const motorCount = motors.length;
    const start = options.axesToMotorsSteps([...options.startMm]);
    if (start.length !== motorCount) {
      throw new RangeError(
        `sim plant: axesToMotorsSteps gave ${start.length} motors, the board has ${motorCount}`,
      );
    }
    this.steps = Int32Array.from(start, (s) => Math.round(s));
    this.lastStepUs = new Float64Array(motorCount).fill(-Infinity);
    this.lastDir = new Int8Array(motorCount);
    this.evaluate(startUs);
  }

  /** The motor positions (steps) the plant started at: where the stream's counters start. */
  startSteps(): Int32Array {
    return Int32Array.from(this.options.axesToMotorsSteps([...this.options.startMm]), (s) =>
      Math.round(s),
    );
  }

  /** One step taken by a motor at timeUs: moves the axes and updates switches and probe. */
  onStep(motor: number, dir: number, timeUs: number): void {
    this.checkTiming(motor, dir, timeUs);
    this.steps[motor] += dir;
    this.evaluate(timeUs);
  }

  /** Physical axis positions, mm. */
  axesMm(): [number, number, number] {
    return this.options.motorsToAxesMm(this.steps);
  }

  /** Physical motor positions, steps (a copy; unaffected by the stream's setPositionSteps). */
  motorSteps(): Int32Array {
    return this.steps.slice();
  }

  /** Pulses that broke a driver's timing, the first 1000 of them. */
  timingViolations(): readonly TimingViolation[] {
    return this.violations;
  }

  /** How many pulses broke a driver's timing in all. */
  timingViolationCount(): number {
    return this.violationCount;
  }

  /** Sets limit, probe and mock inputs from the current position, at timeUs. */
  private evaluate(timeUs: number): void {
    const axes = this.options.motorsToAxesMm(this.steps);
    const margin = this.options.limitMarginMm;
    for (let a = 0; a < 3; a++) {
      const pos = axes[a];
      const closed =
        pos <= -margin + EPSILON_MM || pos >= this.options.travelMm[a] + margin - EPSILON_MM;
      this.update(LIMIT_ROLES[a], closed, timeUs);
    }
    this.update('probe', axes[2] <= this.options.probeZMm + EPSILON_MM, timeUs);
  }

  /** Changes an input only when the plant's own view of it changes (a test may override). */
  private update(role: PlantRole, active: boolean, timeUs: number): void {
    if (this.switchState.get(role) === active) return;
    this.switchState.set(role, active);
    this.inputs.get(role)?.set(active, timeUs);
  }

  private checkTiming(motor: number, dir: number, timeUs: number): void {
    const def = this.motors[motor];
    const gapUs = timeUs - this.lastStepUs[motor];
    // A step needs its pulse high then low; a direction change needs the pulse to end and
    // the dir line to settle before the next edge.
    const reversed = this.lastDir[motor] !== 0 && this.lastDir[motor] !== dir;
    const minGapUs = reversed ? def.pulseUs + def.dirSetupUs : 2 * def.pulseUs;
    if (gapUs < minGapUs) {
      this.violationCount++;
      if (this.violations.length < 1000) {
        this.violations.push({
          motor,
          timeUs,
          gapUs,
          minGapUs,
          reason: reversed ? 'dirSetup' : 'period',
        });
      }
    }
    this.lastStepUs[motor] = timeUs;
    this.lastDir[motor] = dir;
  }
}

// `npm run bench`: throughput of the motion core (parse, interpret, plan and step timing)
// on large real jobs, against the gcode-toolpath package interpreting the same jobs in the
// same run. Prints figures, then ONE JSON line with the results.
//
// Run as `node --import tsx/esm`, the loader bin/minifactory.js uses in production. The tsx
// command also installs tsx's CommonJS hook, under which our ESM code measured 7-8% slower
// (compiled JS as well; the peer, plain CommonJS, is not slowed): a cost of the dev runner,
// not of the code measured.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Toolpath from 'gcode-toolpath';
import { WaveEncoder, wavePulses, type WaveMotor } from '../hal/pigpio/encoder.js';
import { DEFAULT_WAVE_SHAPE } from '../hal/pigpio/limits.js';
import { MotionPipeline } from '../motion/pipeline.js';
import { benchEncode } from './encode.js';
import { benchMqtt } from './mqtt.js';
import type { MotionSettings } from '../motion/types.js';
import { loadMachineConfig } from '../src/config/load.js';
import { motionSettingsFromConfig } from '../src/config/motion-settings.js';
import { feedText } from '../src/plan/plan-file.js';

const benchDir = dirname(fileURLToPath(import.meta.url));
const projectRoot = resolve(benchDir, '..');
const gcodeDir = resolve(projectRoot, '../shared/gcode');
/** Large real jobs: CAM output, and two laser rasters (run in laser mode, as they would be). */
const JOB_FILES = [
  'large_jscut_tball_pocket.gcode',
  'laser_lightburn_image_G91_laser_love.nc',
  'laser_raster_tree_M4_fluidnc.nc',
];
const MIN_MEASURE_S = 2;

interface Job {
  name: string;
  text: string;
  lines: number;
  laser: boolean;
}

/** A zigzag pocket with arcs, for clones without ../shared/gcode. */
function generatedJob(lineCount: number): Job {
  const out = ['G21 G90 G94', 'G0 Z5', 'G0 X0 Y0', 'G1 Z-1 F300', 'G1 F1500'];
  // Whole rows only (100 lines, an arc up to the next row, a G1), so every arc is valid.
  for (let y = 0; out.length + 102 <= lineCount - 2; y++) {
    for (let x = 1; x <= 100; x++) {
      out.push(`X${(y % 2 === 0 ? x : 100 - x).toFixed(3)} Y${(y * 0.5).toFixed(3)}`);
    }
    out.push(`G3 X${y % 2 === 0 ? 100 : 0} Y${((y + 1) * 0.5).toFixed(3)} R0.3`, 'G1');
  }
  out.push('G0 Z5', 'M2');
  return {
    name: `generated (${out.length} lines)`,
    text: out.join('\n'),
    lines: out.length,
    laser: false,
  };
}

function loadJobs(): Job[] {
  if (!existsSync(gcodeDir)) return [generatedJob(100_000)];
  return JOB_FILES.map((file) => {
    const text = readFileSync(join(gcodeDir, file), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    return { name: file, text, lines, laser: file.startsWith('laser_') };
  });
}

interface Measured {
  lines: number;
  steps: number;
  elapsedS: number;
}

/** Runs the whole motion core over every job once; returns lines and step events. */
function runOurs(jobs: Job[], settings: MotionSettings, stepTiming: boolean): Measured {
  let lines = 0;
  let steps = 0;
  const t0 = performance.now();
  for (const job of jobs) {
    const pipeline = new MotionPipeline(settings, {
      stepTiming,
      stopOnSpindleChange: !job.laser,
    });
    lines += feedText(pipeline, job.text);
    pipeline.finish();
    steps += pipeline.snapshot().stepEvents;
  }
  return { lines, steps, elapsedS: (performance.now() - t0) / 1000 };
}

/** The Pi's three StepStick drivers as the pigpio encoder sees them (boards/rpi-stepstick). */
const WAVE_MOTORS: WaveMotor[] = [
  { stepPin: 17, stepActiveLow: false, dirPin: 27, dirActiveLow: false, pulseUs: 5, dirSetupUs: 5 },
  { stepPin: 22, stepActiveLow: false, dirPin: 23, dirActiveLow: false, pulseUs: 5, dirSetupUs: 5 },
  { stepPin: 24, stepActiveLow: false, dirPin: 25, dirActiveLow: false, pulseUs: 5, dirSetupUs: 5 },
];

/**
 * The whole host side of a Pi 1-4 machine: parse, interpret, plan, time every step in the
 * machine's 10 ms chunks, and encode them into pigpio waves with their pulse objects.
 */
function runOursEncoded(jobs: Job[], settings: MotionSettings): Measured & { motionS: number } {
  let lines = 0;
  let steps = 0;
  let motionS = 0;
  let sink = 0;
  const t0 = performance.now();
  for (const job of jobs) {
    const encoder = new WaveEncoder(WAVE_MOTORS, { resolutionUs: 1, shape: DEFAULT_WAVE_SHAPE });
    const drainWaves = (mode: 'ready' | 'flush'): void => {
      for (let wave = encoder.takeWave(mode); wave !== undefined; wave = encoder.takeWave(mode)) {
        sink += wavePulses(wave).length;
        steps += wave.stepCount;
      }
    };
    const pipeline = new MotionPipeline(settings, {
      chunkUs: 10_000,
      stopOnSpindleChange: !job.laser,
      onChunk: (chunk) => {
        encoder.push(chunk);
        drainWaves('ready');
      },
    });
    lines += feedText(pipeline, job.text);
    pipeline.finish();
    drainWaves('flush');
    motionS += pipeline.snapshot().durationS;
  }
  if (sink === 0) throw new Error('no pulses encoded');
  return { lines, steps, motionS, elapsedS: (performance.now() - t0) / 1000 };
}

/**
 * The load the pigpio encoder is sized for: 1000 steps/mm (1/16 microsteps on a 2 mm pitch)
 * and 45° moves at 100 mm/s per axis, 200 kHz aggregate at cruise. At a mill's 80 steps/mm
 * most of each wave would be padding (pigpio waves have one fixed shape here).
 */
function denseJob(settings: MotionSettings): { job: Job; settings: MotionSettings } {
  const fine = (axis: MotionSettings['axes']['x']) => ({ ...axis, stepsPerMm: 1000 });
  const lines = ['G21 G90 G94 F8485'];
  for (let i = 0; i < 8; i++) lines.push('G1 X200 Y200', 'G1 X0 Y0');
  return {
    job: { name: 'diagonals', text: lines.join('\n'), lines: lines.length, laser: false },
    settings: {
      ...settings,
      axes: { x: fine(settings.axes.x), y: fine(settings.axes.y), z: settings.axes.z },
    },
  };
}

/** gcode-toolpath interpreting every job once, counting its callbacks. */
function runPeer(jobs: Job[]): Measured {
  let lines = 0;
  let callbacks = 0;
  const t0 = performance.now();
  for (const job of jobs) {
    const toolpath = new Toolpath({
      addLine: () => {
        callbacks++;
      },
      addArcCurve: () => {
        callbacks++;
      },
    });
    toolpath.loadFromStringSync(job.text);
    lines += job.lines;
  }
  if (callbacks === 0) throw new Error('gcode-toolpath produced no motion');
  return { lines, steps: 0, elapsedS: (performance.now() - t0) / 1000 };
}

/**
 * Runs each contender in turn, round after round, until every one has run at least
 * MIN_MEASURE_S: interleaving keeps a change in machine load from favouring one of them.
 */
function measureInterleaved(runs: (() => Measured)[]): Measured[] {
  const totals = runs.map(() => ({ lines: 0, steps: 0, elapsedS: 0 }));
  while (totals.some((t) => t.elapsedS < MIN_MEASURE_S)) {
    runs.forEach((run, i) => {
      const m = run();
      totals[i].lines += m.lines;
      totals[i].steps += m.steps;
      totals[i].elapsedS += m.elapsedS;
    });
  }
  return totals;
}

/** A benchmark's numeric figures, whatever else its result holds. */
function figuresOf(result: object): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const [key, value] of Object.entries(result)) {
    if (typeof value === 'number') figures[key] = value;
  }
  return figures;
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
/** Large figures as whole numbers with separators, small ones (ms, ratios) to 3 decimals. */
const fmt = (n: number) =>
  Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(round(n, 3));

async function main(): Promise<void> {
  const settings = motionSettingsFromConfig(loadMachineConfig());
  const jobs = loadJobs();
  const jobLines = jobs.reduce((sum, job) => sum + job.lines, 0);
  console.log(`jobs: ${jobs.map((j) => `${j.name} (${fmt(j.lines)} lines)`).join(', ')}`);
  console.log(`node ${process.version}, ${process.arch}`);

  // Warm up every path the measurement takes, so the JIT has compiled them. The motion
  // core's peak memory is read before the peer ever runs (the peer keeps every parsed line).
  for (let i = 0; i < 3; i++) runOurs(jobs, settings, true);
  runOurs(jobs, settings, false);
  const peakRssMb = round(process.resourceUsage().maxRSS / 1024, 1);
  runPeer(jobs);

  const dense = denseJob(settings);
  const encodedPass = runOursEncoded([dense.job], dense.settings); // warm-up; its motion
  const [ours, noSteps, peer, encoded] = measureInterleaved([
    () => runOurs(jobs, settings, true),
    () => runOurs(jobs, settings, false),
    () => runPeer(jobs),
    () => runOursEncoded([dense.job], dense.settings),
  ]);
  const planEncodeStepsPerS = encoded.steps / encoded.elapsedS;
  const encodedAggregateHz = encodedPass.steps / encodedPass.motionS;
  const linesPerS = ours.lines / ours.elapsedS;
  const stepsPerS = ours.steps / ours.elapsedS;
  const planLinesPerS = noSteps.lines / noSteps.elapsedS;
  const peerLinesPerS = peer.lines / peer.elapsedS;
  const ratioVsPeer = linesPerS / peerLinesPerS;
  // What the step timing alone adds: the extra time per line over the plan-only runs, against
  // the steps per line (a derived figure: both runs take turns, see measureInterleaved).
  const stepTimingSPerLine = ours.elapsedS / ours.lines - noSteps.elapsedS / noSteps.lines;
  const stepTimingStepsPerS = ours.steps / ours.lines / stepTimingSPerLine;
  console.log(
    `minifactory parse+interpret+plan+step timing: ${fmt(linesPerS)} lines/s, ` +
      `${fmt(stepsPerS)} steps/s (${fmt(ours.steps / (ours.lines / jobLines))} steps per pass)`,
  );
  console.log(`minifactory parse+interpret+plan only:        ${fmt(planLinesPerS)} lines/s`);
  console.log(`step timing alone (the difference of both):   ${fmt(stepTimingStepsPerS)} steps/s`);
  console.log(
    `plan + step timing + pigpio wave encoding:    ${fmt(planEncodeStepsPerS)} steps/s ` +
      `(45° moves at 1000 steps/mm, ${fmt(encodedAggregateHz / 1000)} kHz mean aggregate)`,
  );
  console.log(`gcode-toolpath 3 interpret only:              ${fmt(peerLinesPerS)} lines/s`);
  console.log(`ratio (ours with step timing / peer):         ${ratioVsPeer.toFixed(2)}x`);
  console.log(
    `ratio (ours without step timing / peer):      ${(planLinesPerS / peerLinesPerS).toFixed(2)}x`,
  );

  const result: Record<string, number> = {
    linesPerS: round(linesPerS),
    stepsPerS: round(stepsPerS),
    planOnlyLinesPerS: round(planLinesPerS),
    stepTimingStepsPerS: round(stepTimingStepsPerS),
    planEncodeStepsPerS: round(planEncodeStepsPerS),
    planEncodeAggregateHz: round(encodedAggregateHz),
    peerLinesPerS: round(peerLinesPerS),
    ratioVsPeer: round(ratioVsPeer, 2),
  };
  const failed: string[] = [];
  for (const [name, bench] of [
    ['encode.ts', async () => benchEncode()],
    ['mqtt.ts', benchMqtt],
  ] as const) {
    try {
      for (const [key, value] of Object.entries(figuresOf(await bench()))) {
        console.log(`${name}: ${key} = ${fmt(value)}`);
        result[key] = value;
      }
    } catch (err) {
      // One failing benchmark must not cost the figures of the others.
      console.log(`bench/${name} failed: ${(err as Error).message}`);
      failed.push(`bench/${name}`);
    }
  }
  if (failed.length > 0) console.log(`not measured (failed): ${failed.join(', ')}`);
  result.peakRssMb = peakRssMb;
  console.log(`peak RSS of the motion core's runs (job texts included): ${peakRssMb} MB`);
  console.log(JSON.stringify(result));
}

await main();

// `minifactory plan` end to end: load the config, stream the job through the motion core,
// write the report and the optional step log and picture. Returns the exit code.
import { closeSync, createWriteStream, openSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import type { PipelineStats } from '../../motion/pipeline.js';
import type { LinearMove } from '../../motion/types.js';
import { ConfigError } from '../config/errors.js';
import { loadMachineConfig } from '../config/load.js';
import { motionSettingsFromConfig } from '../config/motion-settings.js';
import { planFile } from './plan-file.js';
import {
  formatDuration,
  formatFixed,
  formatReport,
  reportJson,
  type PlanReport,
} from './report.js';
import { SpeedProfile } from './speed-profile.js';
import { motorNames, StepLogWriter } from './step-log.js';
import { renderSvg } from './svg.js';
import { FEED, RAPID, TOOL_OFF, ToolpathTrace, type SegmentKind } from './toolpath-trace.js';
import { travelWarnings } from './travel-check.js';

/** Options of `minifactory plan`, as the command line gives them. */
export interface PlanCommandOptions {
  config?: string;
  json?: boolean;
  stepLog?: string;
  svg?: string;
}

/** Exit codes: the job planned cleanly, had G-code errors, or could not be planned. */
export const EXIT_OK = 0;
export const EXIT_GCODE_ERRORS = 1;
export const EXIT_USAGE = 2;

/** Past this many spindle changes a job is likely a laser job planned without laser mode. */
const MANY_SPINDLE_CHANGES = 100;

/** Opens a file for writing now, so a bad path is a usage error before any work. */
function openOutput(file: string): Writable {
  const fd = openSync(file, 'w');
  return createWriteStream('', { fd, highWaterMark: 1 << 20 });
}

/** Plans a G-code file and reports it on stdout; resolves with the process exit code. */
export async function runPlan(
  file: string,
  options: PlanCommandOptions,
  stdout: Writable = process.stdout,
  stderr: Writable = process.stderr,
): Promise<number> {
  const fail = (message: string) => {
    stderr.write(`minifactory plan: ${message}\n`);
    return EXIT_USAGE;
  };
  let config;
  try {
    config = loadMachineConfig(options.config);
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message);
    throw err;
  }
  try {
    if (!statSync(file).isFile()) return fail(`${file}: not a file`);
  } catch (err) {
    return fail(`cannot read ${file}: ${(err as Error).message}`);
  }
  const settings = motionSettingsFromConfig(config);

  let stepLog: StepLogWriter | undefined;
  if (options.stepLog !== undefined) {
    try {
      stepLog = new StepLogWriter(openOutput(options.stepLog), motorNames(settings.kinematics));
    } catch (err) {
      return fail(`cannot write the step log: ${(err as Error).message}`);
    }
  }
  if (options.svg !== undefined) {
    try {
      closeSync(openSync(options.svg, 'w'));
    } catch (err) {
      return fail(`cannot write the picture: ${(err as Error).message}`);
    }
  }
  const laserMode = config.spindle.laserMode;
  const trace = options.svg === undefined ? undefined : new ToolpathTrace();
  const speed = options.svg === undefined ? undefined : new SpeedProfile();

  let stats: PipelineStats;
  try {
    stats = await planFile(file, settings, {
      startMm: config.sim.startMm,
      stopOnSpindleChange: !config.spindle.laserMode,
      onChunk:
        stepLog === undefined ? undefined : (chunk, startUs) => stepLog.writeChunk(chunk, startUs),
      backpressure: stepLog === undefined ? undefined : () => stepLog.drained(),
      onMove:
        trace === undefined
          ? undefined
          : (m, startMm) => trace.addMove(startMm, m.targetMm, segmentKind(m, laserMode)),
      onPlanned: speed === undefined ? undefined : (m, startS) => speed.addMove(m, startS),
    });
  } catch (err) {
    return fail(`cannot plan ${file}: ${(err as Error).message}`);
  }
  await stepLog?.close();

  const report: PlanReport = {
    file,
    kinematics: settings.kinematics,
    stats,
    warnings: travelWarnings(stats.boundsMm, settings),
  };
  if (!laserMode && stats.spindleChanges >= MANY_SPINDLE_CHANGES) {
    report.warnings.push(
      `${stats.spindleChanges} spindle changes each brought the motion to rest (as Grbl does` +
        ' outside laser mode); for a laser, set spindle.laserMode: true in the config',
    );
  }
  if (trace !== undefined && speed !== undefined && options.svg !== undefined) {
    writeFileSync(options.svg, renderSvg(trace.trace(), speed.bins(), svgCaption(report)));
  }
  stdout.write(
    options.json === true ? JSON.stringify(reportJson(report)) + '\n' : formatReport(report),
  );
  return stats.errorCount > 0 ? EXIT_GCODE_ERRORS : EXIT_OK;
}

/** How a move is drawn: in laser mode a feed with the laser off is a travel, not a cut. */
function segmentKind(move: LinearMove, laserMode: boolean): SegmentKind {
  if (move.rapid) return RAPID;
  if (laserMode && (move.spindle.mode === 'off' || move.spindle.speedRpm <= 0)) return TOOL_OFF;
  return FEED;
}

function svgCaption(report: PlanReport): { title: string; lines: string[] } {
  const s = report.stats;
  const b = s.boundsMm;
  const lines = [
    `job time ${formatDuration(s.durationS)} (${s.durationS.toFixed(1)} s) · ${s.lines.toLocaleString('en-US')} lines · ` +
      `${s.moves.toLocaleString('en-US')} moves · path ${s.pathLengthMm.toFixed(1)} mm ` +
      `(feed ${s.feedLengthMm.toFixed(1)}, rapid ${s.rapidLengthMm.toFixed(1)})`,
  ];
  if (b !== null) {
    lines.push(
      `bounds x ${formatFixed(b.min.x, 2)}..${formatFixed(b.max.x, 2)}  y ${formatFixed(b.min.y, 2)}..${formatFixed(b.max.y, 2)}` +
        `  z ${formatFixed(b.min.z, 2)}..${formatFixed(b.max.z, 2)} mm` +
        (s.errorCount > 0 ? ` · ${s.errorCount} line(s) rejected` : '') +
        (report.warnings.length > 0 ? ` · ${report.warnings.length} travel warning(s)` : ''),
    );
  }
  return { title: basename(report.file), lines };
}

// The plan's report: one JSON object for programs, a short text for people.
import type { BoundsMm, PipelineStats } from '../../motion/pipeline.js';
import type { GcodeError, KinematicsName, VecMm } from '../../motion/types.js';
import { motorNames } from './step-log.js';

/** A planned job: its statistics and what the user should know about it. */
export interface PlanReport {
  file: string;
  kinematics: KinematicsName;
  stats: PipelineStats;
  warnings: string[];
}

/** The --json object: every figure of the plan, plain and serialisable. */
export interface PlanJson {
  file: string;
  kinematics: KinematicsName;
  durationS: number;
  motionTimeS: number;
  dwellS: number;
  lines: number;
  moves: number;
  rapidMoves: number;
  feedMoves: number;
  motionLines: number;
  pathLengthMm: number;
  feedLengthMm: number;
  rapidLengthMm: number;
  peakSpeedMmS: number;
  finalPositionMm: VecMm;
  finalWorkPositionMm: VecMm;
  /** Final motor positions in steps, keyed by motor: x/y/z, or a/b/z for CoreXY. */
  steps: Record<string, number>;
  stepEvents: number;
  boundsMm: BoundsMm | null;
  errorCount: number;
  errors: GcodeError[];
  warnings: string[];
  spindleChanges: number;
  pauseCount: number;
  pauses: PipelineStats['pauses'];
  endCount: number;
  ends: PipelineStats['ends'];
}

/** The report as the --json object. */
export function reportJson(report: PlanReport): PlanJson {
  const s = report.stats;
  const names = motorNames(report.kinematics);
  return {
    file: report.file,
    kinematics: report.kinematics,
    durationS: s.durationS,
    motionTimeS: s.motionTimeS,
    dwellS: s.dwellS,
    lines: s.lines,
    moves: s.moves,
    rapidMoves: s.rapidMoves,
    feedMoves: s.feedMoves,
    motionLines: s.motionLines,
    pathLengthMm: s.pathLengthMm,
    feedLengthMm: s.feedLengthMm,
    rapidLengthMm: s.rapidLengthMm,
    peakSpeedMmS: s.peakSpeedMmS,
    finalPositionMm: s.finalPositionMm,
    finalWorkPositionMm: s.finalWorkPositionMm,
    steps: { [names[0]]: s.steps[0], [names[1]]: s.steps[1], [names[2]]: s.steps[2] },
    stepEvents: s.stepEvents,
    boundsMm: s.boundsMm,
    errorCount: s.errorCount,
    errors: s.errors,
    warnings: report.warnings,
    spindleChanges: s.spindleChanges,
    pauseCount: s.pauseCount,
    pauses: s.pauses,
    endCount: s.endCount,
    ends: s.ends,
  };
}

/** A duration as h:mm:ss (rounded to the second). */
export function formatDuration(timeS: number): string {
  const total = Math.round(timeS);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

/** A number with `digits` decimals, never "-0.000" for a value that rounds to zero. */
export function formatFixed(n: number, digits: number): string {
  const text = n.toFixed(digits);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

const count = (n: number) => n.toLocaleString('en-US');
const mm = (n: number) => formatFixed(n, 3);
const length = (n: number) =>
  n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const vec = (v: VecMm) => `x ${mm(v.x)}  y ${mm(v.y)}  z ${mm(v.z)}`;

/** The report as text for a terminal. */
export function formatReport(report: PlanReport): string {
  const s = report.stats;
  const names = motorNames(report.kinematics);
  const out: string[] = [];
  out.push(`${report.file}`);
  out.push(
    `  job time   ${formatDuration(s.durationS)}  (${s.durationS.toFixed(2)} s` +
      (s.dwellS > 0 ? `, of which dwell ${s.dwellS.toFixed(2)} s` : '') +
      ')',
  );
  out.push(`  lines      ${count(s.lines)}`);
  out.push(
    `  moves      ${count(s.moves)}  (${count(s.feedMoves)} feed, ${count(s.rapidMoves)} rapid;` +
      ` arcs count once per chord)`,
  );
  out.push(
    `  path       ${length(s.pathLengthMm)} mm  (feed ${length(s.feedLengthMm)} mm,` +
      ` rapid ${length(s.rapidLengthMm)} mm)`,
  );
  if (s.boundsMm === null) {
    out.push('  bounds     (no motion)');
  } else {
    const b = s.boundsMm;
    out.push(
      `  bounds     x ${mm(b.min.x)} .. ${mm(b.max.x)}  y ${mm(b.min.y)} .. ${mm(b.max.y)}` +
        `  z ${mm(b.min.z)} .. ${mm(b.max.z)} mm`,
    );
  }
  out.push(`  end at     ${vec(s.finalPositionMm)} mm (machine)`);
  out.push(
    `  steps      ${names.map((n, i) => `${n} ${s.steps[i]}`).join('  ')}` +
      `  (${count(s.stepEvents)} step events)`,
  );
  out.push(`  peak speed ${(s.peakSpeedMmS * 60).toFixed(0)} mm/min`);
  for (const p of s.pauses) out.push(`  pause      line ${p.line}: ${p.reason}`);
  if (s.pauseCount > s.pauses.length) {
    out.push(`  pause      ... ${count(s.pauseCount - s.pauses.length)} more`);
  }
  for (const e of s.ends) out.push(`  end        line ${e.line}: ${e.reason}`);
  if (s.endCount > s.ends.length)
    out.push(`  end        ... ${count(s.endCount - s.ends.length)} more`);
  for (const w of report.warnings) out.push(`warning: ${w}`);
  for (const e of s.errors) out.push(`error: line ${e.line}: error:${e.code} ${e.message}`);
  if (s.errorCount > s.errors.length) {
    out.push(`error: ... ${count(s.errorCount - s.errors.length)} more errors not shown`);
  }
  if (s.errorCount > 0) out.push(`${count(s.errorCount)} line(s) rejected`);
  return out.join('\n') + '\n';
}

// Grbl's bracketed report lines for `$G` and `$#`.
import type { VecMm } from '../../motion/types.js';

/** The parameters `$#` reports, in machine mm. */
export interface ParameterSet {
  wcs: Record<string, VecMm>;
  g28: VecMm;
  g30: VecMm;
  g92: VecMm;
  toolLengthMm: number;
}

/** The last probe: where it stopped and whether it touched. */
export interface ProbeRecord {
  positionMm: VecMm;
  touched: boolean;
}

const vec = (v: VecMm): string => `${v.x.toFixed(3)},${v.y.toFixed(3)},${v.z.toFixed(3)}`;

/** `$G`: `[GC:G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0]`. */
export function modalReportLines(modal: string): string[] {
  return [`[GC:${modal}]`];
}

/** `$#`: work offsets, G28/G30, G92, tool length, last probe (zeros and :0 before any). */
export function parameterReportLines(params: ParameterSet, probe: ProbeRecord | null): string[] {
  const lines = Object.entries(params.wcs).map(([name, v]) => `[${name}:${vec(v)}]`);
  lines.push(`[G28:${vec(params.g28)}]`, `[G30:${vec(params.g30)}]`, `[G92:${vec(params.g92)}]`);
  lines.push(`[TLO:${params.toolLengthMm.toFixed(3)}]`);
  const p = probe ?? { positionMm: { x: 0, y: 0, z: 0 }, touched: false };
  lines.push(`[PRB:${vec(p.positionMm)}:${p.touched ? 1 : 0}]`);
  return lines;
}

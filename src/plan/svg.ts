// The plan as a picture: the toolpath seen from above (feeds coloured by Z, rapids dashed)
// and the speed over time below it, with the job's figures as a caption.
import { RAPID, TOOL_OFF, type Trace } from './toolpath-trace.js';
import type { SpeedBins } from './speed-profile.js';

/** What the picture shows besides the two plots. */
export interface SvgCaption {
  title: string;
  lines: string[];
}

const WIDTH = 960;
const MARGIN_LEFT = 70;
const MARGIN_RIGHT = 20;
const LEGEND_W = 190;
const HEADER_H = 40;
const PATH_MAX_H = 560;
const SPEED_H = 170;
/** Feed colours from the deepest Z to the highest (viridis). */
const Z_COLOURS = ['#440154', '#414487', '#2a788e', '#22a884', '#7ad151', '#d8c800'];
const RAPID_COLOUR = '#8a8a8a';
const TOOL_OFF_COLOUR = '#c8c8c8';
const STYLE_RAPID = -2;
const STYLE_TOOL_OFF = -3;

const esc = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const r1 = (n: number) => String(Math.round(n * 10) / 10);

/** A step of 1, 2 or 5 times a power of ten giving about `target` ticks over `range`. */
export function niceStep(range: number, target: number): number {
  if (!(range > 0)) return 1;
  const raw = range / target;
  const power = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / power;
  return (ratio < 1.5 ? 1 : ratio < 3.5 ? 2 : ratio < 7.5 ? 5 : 10) * power;
}

function ticks(lo: number, hi: number, target: number): number[] {
  const step = niceStep(hi - lo, target);
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  }
  return out;
}

const tickLabel = (v: number, step: number) =>
  step >= 1 ? v.toFixed(0) : v.toFixed(Math.min(6, Math.ceil(-Math.log10(step))));

/** Renders the toolpath and speed profile as a standalone SVG document. */
export function renderSvg(trace: Trace, speed: SpeedBins, caption: SvgCaption): string {
  const out: string[] = [];
  const captionH = HEADER_H + caption.lines.length * 16;
  const plotW = WIDTH - MARGIN_LEFT - MARGIN_RIGHT - LEGEND_W;

  // Toolpath extent (XY), padded so a line job still has a box.
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  let minZ = Infinity;
  let maxZ = -Infinity;
  for (let i = 0; i < trace.count; i++) {
    minX = Math.min(minX, trace.xMm[i]);
    maxX = Math.max(maxX, trace.xMm[i]);
    minY = Math.min(minY, trace.yMm[i]);
    maxY = Math.max(maxY, trace.yMm[i]);
    minZ = Math.min(minZ, trace.zMm[i]);
    maxZ = Math.max(maxZ, trace.zMm[i]);
  }
  if (trace.count === 0) {
    minX = minY = minZ = 0;
    maxX = maxY = maxZ = 1;
  }
  const spanMm = Math.max(maxX - minX, maxY - minY, 1e-3);
  const padMm = spanMm * 0.03;
  minX -= padMm;
  maxX += padMm;
  minY -= padMm;
  maxY += padMm;
  const scale = Math.min(plotW / (maxX - minX), PATH_MAX_H / (maxY - minY));
  const pathW = (maxX - minX) * scale;
  const pathH = (maxY - minY) * scale;
  const x0 = MARGIN_LEFT;
  const y0 = captionH;
  const px = (xMm: number) => x0 + (xMm - minX) * scale;
  const py = (yMm: number) => y0 + pathH - (yMm - minY) * scale;

  const speedTop = y0 + pathH + 60;
  const height = speedTop + SPEED_H + 50;

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${r1(height)}"` +
      ` viewBox="0 0 ${WIDTH} ${r1(height)}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  out.push(
    `<text x="${MARGIN_LEFT}" y="24" font-size="16" font-weight="bold">${esc(caption.title)}</text>`,
  );
  caption.lines.forEach((line, i) => {
    out.push(`<text x="${MARGIN_LEFT}" y="${HEADER_H + 4 + i * 16}">${esc(line)}</text>`);
  });

  // Toolpath frame, grid and axis labels.
  out.push(
    `<rect x="${r1(x0)}" y="${r1(y0)}" width="${r1(pathW)}" height="${r1(pathH)}"` +
      ` fill="#fbfbfb" stroke="#444"/>`,
  );
  const gridStep = niceStep(Math.max(maxX - minX, maxY - minY), 8);
  const grid: string[] = [];
  for (const v of ticks(minX, maxX, (maxX - minX) / gridStep)) {
    grid.push(`M${r1(px(v))} ${r1(y0)}V${r1(y0 + pathH)}`);
    out.push(
      `<text x="${r1(px(v))}" y="${r1(y0 + pathH + 14)}" text-anchor="middle">${tickLabel(v, gridStep)}</text>`,
    );
  }
  for (const v of ticks(minY, maxY, (maxY - minY) / gridStep)) {
    grid.push(`M${r1(x0)} ${r1(py(v))}H${r1(x0 + pathW)}`);
    out.push(
      `<text x="${r1(x0 - 6)}" y="${r1(py(v) + 4)}" text-anchor="end">${tickLabel(v, gridStep)}</text>`,
    );
  }
  out.push(`<path d="${grid.join('')}" stroke="#e3e3e3" stroke-width="0.6" fill="none"/>`);
  out.push(
    `<text x="${r1(x0 + pathW / 2)}" y="${r1(y0 + pathH + 32)}" text-anchor="middle">X (mm)</text>`,
  );
  out.push(
    `<text transform="translate(${MARGIN_LEFT - 48} ${r1(y0 + pathH / 2)}) rotate(-90)"` +
      ` text-anchor="middle">Y (mm)</text>`,
  );

  // Toolpath: one path element per style, each made of many subpaths.
  const zSpanMm = maxZ - minZ;
  const zBands = zSpanMm > 1e-9 ? Z_COLOURS.length : 1;
  const band = (zMm: number) =>
    zBands === 1 ? 0 : Math.min(zBands - 1, Math.floor(((zMm - minZ) / zSpanMm) * zBands));
  const styles = new Map<number, string[]>();
  let lastStyle = -1;
  let lastX = '';
  let lastY = '';
  for (let i = 1; i < trace.count; i++) {
    const kind = trace.kind[i];
    const style =
      kind === RAPID ? STYLE_RAPID : kind === TOOL_OFF ? STYLE_TOOL_OFF : band(trace.zMm[i]);
    let d = styles.get(style);
    if (d === undefined) {
      d = [];
      styles.set(style, d);
    }
    const ax = r1(px(trace.xMm[i - 1]));
    const ay = r1(py(trace.yMm[i - 1]));
    const bx = r1(px(trace.xMm[i]));
    const by = r1(py(trace.yMm[i]));
    if (style !== lastStyle || ax !== lastX || ay !== lastY) d.push(`M${ax} ${ay}`);
    if (bx !== ax || by !== ay || style !== lastStyle) d.push(`L${bx} ${by}`);
    lastStyle = style;
    lastX = bx;
    lastY = by;
  }
  const offD = styles.get(STYLE_TOOL_OFF);
  if (offD !== undefined) {
    out.push(
      `<path d="${offD.join('')}" fill="none" stroke="${TOOL_OFF_COLOUR}" stroke-width="0.5"/>`,
    );
  }
  const rapidD = styles.get(STYLE_RAPID);
  if (rapidD !== undefined) {
    out.push(
      `<path d="${rapidD.join('')}" fill="none" stroke="${RAPID_COLOUR}" stroke-width="0.7"` +
        ` stroke-dasharray="4 3"/>`,
    );
  }
  for (let b = 0; b < zBands; b++) {
    const d = styles.get(b);
    if (d === undefined) continue;
    const colour = zBands === 1 ? Z_COLOURS[1] : Z_COLOURS[b];
    out.push(
      `<path d="${d.join('')}" fill="none" stroke="${colour}" stroke-width="1"` +
        ` stroke-linejoin="round" stroke-linecap="round"/>`,
    );
  }
  if (trace.count < 2) {
    out.push(
      `<text x="${r1(x0 + pathW / 2)}" y="${r1(y0 + pathH / 2)}" text-anchor="middle"` +
        ` fill="#777" font-size="16">no motion</text>`,
    );
  }
  if (trace.count > 0) {
    const sx = px(trace.xMm[0]);
    const sy = py(trace.yMm[0]);
    const ex = px(trace.xMm[trace.count - 1]);
    const ey = py(trace.yMm[trace.count - 1]);
    out.push(`<circle cx="${r1(sx)}" cy="${r1(sy)}" r="4" fill="#2ca02c" stroke="#fff"/>`);
    out.push(
      `<rect x="${r1(ex - 3.5)}" y="${r1(ey - 3.5)}" width="7" height="7" fill="#d62728" stroke="#fff"/>`,
    );
  }

  // Legend.
  const lx = x0 + plotW + 24;
  let ly = y0 + 10;
  out.push(`<text x="${r1(lx)}" y="${r1(ly)}" font-weight="bold">Feed moves by Z</text>`);
  ly += 8;
  for (let b = zBands - 1; b >= 0; b--) {
    if (!styles.has(b)) continue;
    const colour = zBands === 1 ? Z_COLOURS[1] : Z_COLOURS[b];
    const loMm = minZ + (zSpanMm * b) / zBands;
    const hiMm = minZ + (zSpanMm * (b + 1)) / zBands;
    const label =
      zBands === 1 ? `z ${minZ.toFixed(2)} mm` : `z ${loMm.toFixed(2)} .. ${hiMm.toFixed(2)} mm`;
    out.push(
      `<line x1="${r1(lx)}" y1="${r1(ly + 8)}" x2="${r1(lx + 22)}" y2="${r1(ly + 8)}"` +
        ` stroke="${colour}" stroke-width="3"/>`,
    );
    out.push(`<text x="${r1(lx + 28)}" y="${r1(ly + 12)}">${label}</text>`);
    ly += 18;
  }
  ly += 10;
  if (rapidD !== undefined) {
    out.push(
      `<line x1="${r1(lx)}" y1="${r1(ly + 8)}" x2="${r1(lx + 22)}" y2="${r1(ly + 8)}"` +
        ` stroke="${RAPID_COLOUR}" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    );
    out.push(`<text x="${r1(lx + 28)}" y="${r1(ly + 12)}">rapid (G0)</text>`);
    ly += 20;
  }
  if (offD !== undefined) {
    out.push(
      `<line x1="${r1(lx)}" y1="${r1(ly + 8)}" x2="${r1(lx + 22)}" y2="${r1(ly + 8)}"` +
        ` stroke="${TOOL_OFF_COLOUR}" stroke-width="2"/>`,
    );
    out.push(`<text x="${r1(lx + 28)}" y="${r1(ly + 12)}">feed, laser off</text>`);
    ly += 20;
  }
  out.push(`<circle cx="${r1(lx + 11)}" cy="${r1(ly + 8)}" r="4" fill="#2ca02c"/>`);
  out.push(`<text x="${r1(lx + 28)}" y="${r1(ly + 12)}">start</text>`);
  ly += 18;
  out.push(`<rect x="${r1(lx + 7.5)}" y="${r1(ly + 4.5)}" width="7" height="7" fill="#d62728"/>`);
  out.push(`<text x="${r1(lx + 28)}" y="${r1(ly + 12)}">end</text>`);

  out.push(renderSpeed(speed, speedTop));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The speed-over-time plot: the band between the lowest and highest speed per bin. */
function renderSpeed(speed: SpeedBins, top: number): string {
  const out: string[] = [];
  const w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT;
  const totalS = Math.max(speed.count * speed.binS, 1e-3);
  let peakMmMin = 0;
  for (let i = 0; i < speed.count; i++) peakMmMin = Math.max(peakMmMin, speed.maxMmS[i] * 60);
  const topMmMin = peakMmMin > 0 ? peakMmMin * 1.08 : 1;
  const useMin = totalS > 180;
  const timeUnit = useMin ? 60 : 1;
  const px = (tS: number) => MARGIN_LEFT + (tS / totalS) * w;
  const py = (vMmMin: number) => top + SPEED_H - (vMmMin / topMmMin) * SPEED_H;

  out.push(
    `<text x="${MARGIN_LEFT}" y="${r1(top - 10)}" font-weight="bold">Speed along the path</text>`,
  );
  out.push(
    `<rect x="${MARGIN_LEFT}" y="${r1(top)}" width="${w}" height="${SPEED_H}" fill="#fbfbfb" stroke="#444"/>`,
  );
  const grid: string[] = [];
  const vStep = niceStep(topMmMin, 4);
  for (const v of ticks(0, topMmMin, topMmMin / vStep)) {
    grid.push(`M${MARGIN_LEFT} ${r1(py(v))}h${w}`);
    out.push(
      `<text x="${MARGIN_LEFT - 6}" y="${r1(py(v) + 4)}" text-anchor="end">${tickLabel(v, vStep)}</text>`,
    );
  }
  const tStep = niceStep(totalS / timeUnit, 10);
  for (const t of ticks(0, totalS / timeUnit, totalS / timeUnit / tStep)) {
    grid.push(`M${r1(px(t * timeUnit))} ${r1(top)}v${SPEED_H}`);
    out.push(
      `<text x="${r1(px(t * timeUnit))}" y="${r1(top + SPEED_H + 14)}" text-anchor="middle">${tickLabel(t, tStep)}</text>`,
    );
  }
  out.push(`<path d="${grid.join('')}" stroke="#e3e3e3" stroke-width="0.6" fill="none"/>`);
  out.push(
    `<text x="${r1(MARGIN_LEFT + w / 2)}" y="${r1(top + SPEED_H + 32)}" text-anchor="middle">` +
      `time (${useMin ? 'min' : 's'})</text>`,
  );
  out.push(
    `<text transform="translate(${MARGIN_LEFT - 52} ${r1(top + SPEED_H / 2)}) rotate(-90)"` +
      ` text-anchor="middle">mm/min</text>`,
  );
  if (speed.count > 0) {
    const upper: string[] = [];
    const lower: string[] = [];
    for (let i = 0; i < speed.count; i++) {
      const tS = (i + 0.5) * speed.binS;
      const hi = Math.max(0, speed.maxMmS[i]) * 60;
      const lo = Math.max(0, speed.minMmS[i]) * 60;
      upper.push(`${r1(px(tS))} ${r1(py(hi))}`);
      lower.push(`${r1(px(tS))} ${r1(py(lo))}`);
    }
    lower.reverse();
    out.push(`<path d="M${upper.join('L')}L${lower.join('L')}Z" fill="#9ecae1" stroke="none"/>`);
    out.push(
      `<path d="M${upper.join('L')}" fill="none" stroke="#08519c" stroke-width="1"` +
        ` stroke-linejoin="round"/>`,
    );
    const binLabel =
      speed.binS >= 1 ? `${speed.binS.toFixed(1)} s` : `${(speed.binS * 1000).toFixed(0)} ms`;
    out.push(
      `<text x="${MARGIN_LEFT + w}" y="${r1(top - 10)}" text-anchor="end" fill="#555">` +
        `line: highest, band: lowest to highest speed per ${binLabel}</text>`,
    );
  }
  return out.join('\n');
}

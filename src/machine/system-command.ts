// Grbl's `$` system commands the machine answers itself, parsed into a typed command.
import type { Axis } from '../../motion/types.js';

export type SystemCommand =
  | { kind: 'unlock' }
  | { kind: 'home'; axes?: Axis[] }
  | { kind: 'jog'; line: string }
  | { kind: 'checkMode' }
  | { kind: 'sleep' }
  | { kind: 'modalReport' }
  | { kind: 'parametersReport' }
  | { kind: 'unknown' };

/** Parses `$X`, `$H`, `$HX`.., `$J=...`, `$C`, `$SLP`, `$G`, `$#` (case and spaces ignored). */
export function parseSystemCommand(text: string): SystemCommand {
  const trimmed = text.trim();
  const compact = trimmed.toUpperCase().replace(/\s+/g, '');
  if (compact.startsWith('$J='))
    return { kind: 'jog', line: trimmed.slice(trimmed.indexOf('=') + 1) };
  switch (compact) {
    case '$X':
      return { kind: 'unlock' };
    case '$H':
      return { kind: 'home' };
    case '$C':
      return { kind: 'checkMode' };
    case '$SLP':
      return { kind: 'sleep' };
    case '$G':
      return { kind: 'modalReport' };
    case '$#':
      return { kind: 'parametersReport' };
  }
  const homeAxes = /^\$H([XYZ]+)$/.exec(compact);
  if (homeAxes !== null) {
    return { kind: 'home', axes: [...new Set(homeAxes[1].toLowerCase().split(''))] as Axis[] };
  }
  return { kind: 'unknown' };
}

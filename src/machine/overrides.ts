// Grbl's override arithmetic: feed and spindle 10..200% in 10% and 1% steps, rapid 100/50/25.
import type { OverrideAction, OverrideTarget, Overrides } from './types.js';

const MIN_PCT = 10;
const MAX_PCT = 200;
const COARSE_PCT = 10;
const FINE_PCT = 1;

/** The overrides after one action; an action a target does not take leaves it unchanged. */
export function applyOverride(
  current: Overrides,
  target: OverrideTarget,
  action: OverrideAction,
): Overrides {
  if (target === 'rapid') {
    if (action === 'reset') return { ...current, rapidPct: 100 };
    if (action === 25 || action === 50 || action === 100) return { ...current, rapidPct: action };
    return current;
  }
  const key = target === 'feed' ? 'feedPct' : 'spindlePct';
  const pct = current[key];
  let next: number;
  switch (action) {
    case 'reset':
      next = 100;
      break;
    case 'coarseUp':
      next = pct + COARSE_PCT;
      break;
    case 'coarseDown':
      next = pct - COARSE_PCT;
      break;
    case 'fineUp':
      next = pct + FINE_PCT;
      break;
    case 'fineDown':
      next = pct - FINE_PCT;
      break;
    default:
      return current;
  }
  return { ...current, [key]: Math.min(MAX_PCT, Math.max(MIN_PCT, next)) };
}

/** Whether an action is one the target accepts (rapid takes reset/25/50/100 only). */
export function isValidOverride(target: OverrideTarget, action: OverrideAction): boolean {
  if (target === 'rapid') return action === 'reset' || typeof action === 'number';
  return typeof action === 'string';
}

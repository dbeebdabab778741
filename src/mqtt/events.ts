// The non-retained `event` messages: the machine's alarms, errors and job lifecycle, and the
// fleet's own notices, each a flat JSON object with a `kind`.
import type { AlarmEvent, CommandError, JobEvent, LineEvent } from '../machine/types.js';

export type EventPayload =
  | { kind: 'alarm'; code: number; message: string }
  | { kind: 'error'; line: number; code: number; message: string }
  | { kind: 'jobStarted'; name: string; totalLines: number }
  | { kind: 'jobFinished'; name: string; durationS: number }
  | { kind: 'jobFailed'; name: string; error: CommandError }
  | { kind: 'jobTaken'; name: string; capability: string; topic: string }
  | {
      kind: 'jobRefused';
      capability: string;
      topic: string;
      error: CommandError;
      requeued: boolean;
    };

/** An event as published: the payload with the machine id and an ISO timestamp. */
export type PublishedEvent = EventPayload & { machine: string; ts: string };

/** Maps a machine alarm to its event. */
export function alarmEvent(alarm: AlarmEvent): EventPayload {
  return { kind: 'alarm', code: alarm.code, message: alarm.message };
}

/** Maps a rejected line to its event. */
export function errorEvent(error: LineEvent & { error: CommandError }): EventPayload {
  return { kind: 'error', line: error.line, code: error.error.code, message: error.error.message };
}

/** Maps a job lifecycle event to its event. */
export function jobEvent(event: JobEvent): EventPayload {
  switch (event.kind) {
    case 'started':
      return { kind: 'jobStarted', name: event.name, totalLines: event.totalLines };
    case 'finished':
      return { kind: 'jobFinished', name: event.name, durationS: event.durationS };
    case 'failed':
      return { kind: 'jobFailed', name: event.name, error: event.error };
  }
}

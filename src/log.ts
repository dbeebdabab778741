// The process's logger: human-readable lines on a terminal, JSON lines otherwise (systemd's
// journal, log shippers, and the tests that read a child process's output).
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger } from 'pino';

export interface LogOptions {
  /** Log level (default 'info'). */
  level?: string;
  /** Force pretty (true) or JSON (false) output; default: pretty when stdout is a TTY. */
  pretty?: boolean;
  /** Where JSON lines go (default: stdout, file descriptor 1). */
  fd?: number;
}

/** Creates the logger; writes are synchronous so nothing is lost when the process exits. */
export function createLogger(name: string, options: LogOptions = {}): Logger {
  const level = options.level ?? 'info';
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const fd = options.fd ?? 1;
  if (pretty) {
    const stream = PinoPretty({
      sync: true,
      destination: fd,
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    return pino({ name, level }, stream);
  }
  return pino({ name, level }, pino.destination({ dest: fd, sync: true }));
}

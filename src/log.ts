// The process's logger: human-readable lines on a terminal, JSON lines otherwise (systemd's
// journal, log shippers, and the tests that read a child process's output).
import { pino, type Logger } from 'pino';
import { PinoPretty } from 'pino-pretty';
import { DroppingLogDestination } from './log-destination.js';

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
  // A failed write (full disk, /dev/full, closed pipe) drops the line: logging never stops the
  // machine. Once writes work again, the loss is logged.
  let logger: Logger | undefined;
  const destination = new DroppingLogDestination(fd, (report) =>
    logger?.warn(report, `${report.droppedLines} log lines dropped (${report.reason})`),
  );
  if (pretty) {
    const stream = PinoPretty({
      sync: true,
      destination,
      colorize: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
    });
    logger = pino({ name, level }, stream);
    return logger;
  }
  logger = pino({ name, level }, destination);
  return logger;
}

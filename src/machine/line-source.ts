// A job's lines, taken synchronously by the streaming loop: all at once from text, or as they
// arrive from an async source (a file stream, MQTT), so a slow source shows up as a stall.

/** Lines of a job, pulled one at a time. */
export interface LineSource {
  /** The next line, or null when none is available right now (see done()). */
  take(): string | null;
  /** No line will ever come again. */
  done(): boolean;
  /** Total lines when known in advance (text), else null. */
  readonly totalLines: number | null;
  /** Called whenever a line arrives after take() returned null. */
  onReady: (() => void) | null;
  /** Stops reading an async source. */
  cancel(): void;
  /** Why the source failed (an async source that threw), else null. */
  failure(): Error | null;
}

/** Lines of a text, split on CR/LF. */
export function textLineSource(text: string): LineSource {
  const lines = text.split(/\r?\n|\r/);
  // A trailing newline does not make an extra (empty) line.
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let next = 0;
  return {
    totalLines: lines.length,
    onReady: null,
    take: () => (next < lines.length ? lines[next++] : null),
    done: () => next >= lines.length,
    cancel: () => {
      next = lines.length;
    },
    failure: () => null,
  };
}

const MAX_BUFFERED_LINES = 1024;

/** Lines of an async iterable (each item may hold several lines), read ahead a little. */
export function asyncLineSource(source: AsyncIterable<string>): LineSource {
  const buffer: string[] = [];
  let head = 0;
  let finished = false;
  let cancelled = false;
  let wake: (() => void) | null = null;
  let partial = '';
  let failed: Error | null = null;
  const result: LineSource = {
    totalLines: null,
    onReady: null,
    take: () => {
      if (head >= buffer.length) return null;
      const line = buffer[head++];
      if (head > MAX_BUFFERED_LINES) {
        buffer.splice(0, head);
        head = 0;
      }
      if (wake !== null && buffer.length - head < MAX_BUFFERED_LINES) {
        const w = wake;
        wake = null;
        w();
      }
      return line;
    },
    done: () => finished && head >= buffer.length,
    cancel: () => {
      cancelled = true;
      finished = true;
      buffer.length = 0;
      head = 0;
      wake?.();
    },
    failure: () => failed,
  };
  const push = (line: string): void => {
    buffer.push(line);
  };
  void (async () => {
    try {
      for await (const item of source) {
        if (cancelled) break;
        const parts = (partial + item).split(/\r?\n|\r/);
        partial = parts.pop() ?? '';
        for (const part of parts) push(part);
        result.onReady?.();
        while (!cancelled && buffer.length - head >= MAX_BUFFERED_LINES) {
          await new Promise<void>((resolve) => (wake = resolve));
        }
      }
    } catch (err) {
      failed = err instanceof Error ? err : new Error(String(err));
    } finally {
      if (partial !== '' && !cancelled) push(partial);
      finished = true;
      result.onReady?.();
    }
  })();
  return result;
}

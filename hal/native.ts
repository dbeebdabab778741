// Lazy loading of optional native packages (pigpio, onoff, i2c-bus, johnny-five): a missing
// or unbuilt package becomes one clear error naming the package, the board file and the fix,
// never a stack trace from deep inside a native module.

/** A backend's hardware or native package is not available on this host. */
export class HardwareUnavailableError extends Error {
  readonly code = 'HARDWARE_UNAVAILABLE';

  constructor(
    message: string,
    /** The package that could not be loaded, when that is the cause. */
    readonly pkg: string,
    /** The board file (path or name) that asked for it. */
    readonly boardFile: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HardwareUnavailableError';
  }
}

/**
 * Short reason from whatever was thrown or reported, without the native module's stack.
 * johnny-five reports connection failures as { class, message } objects, not Errors.
 */
function reasonOf(err: unknown): string {
  const message = (err as { message?: unknown } | null)?.message;
  return (typeof message === 'string' ? message : String(err)).split('\n')[0];
}

/**
 * The error a backend gives when its hardware does not answer: the board file, what failed,
 * why (when known) and `advice`, naming the package that was talking to it.
 */
export function hardwareUnavailable(
  boardFile: string,
  pkg: string,
  what: string,
  err: unknown,
  advice: string,
): HardwareUnavailableError {
  const reason = err === undefined ? '' : ` (${reasonOf(err)})`;
  return new HardwareUnavailableError(
    `board ${boardFile}: ${what}${reason}. ${advice}`,
    pkg,
    boardFile,
    {
      cause: err,
    },
  );
}

/**
 * Imports an optional native package; on failure throws HardwareUnavailableError naming the
 * package, the board file and `hint` (what to install). Returns the module's default export
 * when it has one (CommonJS packages), else the module namespace.
 */
export async function loadNative<T>(pkg: string, boardFile: string, hint: string): Promise<T> {
  let mod: unknown;
  // Some bindings (pigpio) print a boxed warning with a stack when their C library is absent.
  // The backend turns the failure into its own one-line error, so hold that noise back.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    mod = await import(pkg);
  } catch (err) {
    throw new HardwareUnavailableError(
      `board ${boardFile} needs the package "${pkg}", which could not be loaded ` +
        `(${reasonOf(err)}). ${hint}`,
      pkg,
      boardFile,
      { cause: err },
    );
  } finally {
    console.warn = warn;
  }
  const withDefault = mod as { default?: unknown };
  return (withDefault.default ?? mod) as T;
}

// The backend loader: a board definition names its backend; its module (hal/<backend>/board.ts)
// is imported only when that board is opened, so a host without pigpio or johnny-five never
// loads them. Every backend exports `openBoard: BoardFactory`, which returns an opened board.
import type { BackendName, Board, BoardDefinition, BoardFactory, BoardOptions } from './types.js';

/** Every backend the loader knows, in the order `minifactory boards` documents them. */
export const BACKENDS: readonly BackendName[] = ['sim', 'pigpio', 'gpiochip', 'i2c', 'firmata'];

/** The backend's own module could not be loaded or does not export openBoard. */
export class BackendLoadError extends Error {
  readonly code = 'BACKEND_LOAD_FAILED';
  constructor(
    message: string,
    readonly backend: string,
    readonly boardFile: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BackendLoadError';
  }
}

/** How a backend module is imported; replaceable in tests. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

const importModule: ModuleImporter = (specifier) => import(specifier);

/** Imports hal/<backend>/board.js and returns its openBoard. */
export async function loadBackend(
  backend: BackendName,
  boardFile: string,
  importer: ModuleImporter = importModule,
): Promise<BoardFactory> {
  if (!BACKENDS.includes(backend)) {
    throw new BackendLoadError(
      `board ${boardFile}: unknown backend "${backend}" (expected one of ${BACKENDS.join(', ')})`,
      backend,
      boardFile,
    );
  }
  // A computed specifier keeps each backend out of the static import graph until needed.
  const specifier = `./${backend}/board.js`;
  let mod: { openBoard?: unknown };
  try {
    mod = (await importer(specifier)) as { openBoard?: unknown };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new BackendLoadError(
      `board ${boardFile}: the ${backend} backend (hal/${backend}/board) failed to load: ${reason}`,
      backend,
      boardFile,
      { cause: err },
    );
  }
  if (typeof mod.openBoard !== 'function') {
    throw new BackendLoadError(
      `board ${boardFile}: hal/${backend}/board does not export openBoard`,
      backend,
      boardFile,
    );
  }
  return mod.openBoard as BoardFactory;
}

/** Opens a board from its resolved definition with its backend, loaded on demand. */
export async function openBoardFromDefinition(
  def: BoardDefinition,
  options: BoardOptions,
): Promise<Board> {
  const openBoard = await loadBackend(def.backend, options.boardFile);
  return openBoard(def, options);
}

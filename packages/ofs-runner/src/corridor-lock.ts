import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OfsError } from '@ofs/contracts';

/** File beside the lock that names the holder (informational; the socket is the lock). */
export const CORRIDOR_LOCK_PID_FILE = 'ofs.lock.pid';
/** Socket file of the lock where there is no abstract namespace (not Linux). */
export const CORRIDOR_LOCK_SOCKET_FILE = 'ofs.lock.sock';

/** Options of `acquireCorridorLock`. */
export interface CorridorLockOptions {
  /**
   * `abstract`: a Linux abstract-namespace socket (the kernel frees it when the process dies);
   * `file`: a socket file in the directory (a stale one is detected by connect → ECONNREFUSED).
   * Default: `abstract` on Linux, else `file`.
   */
  readonly mode?: 'abstract' | 'file';
}

/** A held corridor lock. */
export interface CorridorLock {
  /** The socket address that is the lock. */
  readonly address: string;
  /** Releases the lock (idempotent). The OS releases it anyway when the process dies. */
  release(): Promise<void>;
}

/** The lock's identity: sha256 of the directory's real path (so symlinks and `..` agree). */
function lockId(dir: string): string {
  let real: string;
  try {
    real = realpathSync(dir);
  } catch {
    real = dir;
  }
  return createHash('sha256').update(real).digest('hex').slice(0, 32);
}

/** Where the lock socket lives for `dir` in `mode`. */
export function corridorLockAddress(dir: string, mode: 'abstract' | 'file'): string {
  const id = lockId(dir);
  if (mode === 'abstract') return `\0ofs-corridor-${id}`;
  const inDir = join(dir, CORRIDOR_LOCK_SOCKET_FILE);
  // sun_path holds about 104 bytes; a deep directory gets its socket under the temp directory.
  return Buffer.byteLength(inDir) < 100 ? inDir : join(tmpdir(), `ofs-corridor-${id}.sock`);
}

function listen(server: Server, path: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => resolve(error);
    server.once('error', onError);
    server.listen({ path, exclusive: true }, () => {
      server.off('error', onError);
      resolve(undefined);
    });
  });
}

/** Asks the holder for its pid; `undefined` when nobody answers (a stale socket file). */
function askHolder(path: string): Promise<{ alive: boolean; pid?: number }> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    let text = '';
    const timer = setTimeout(() => finish({ alive: true }), 1_000);
    const finish = (result: { alive: boolean; pid?: number }) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
    });
    socket.on('end', () => {
      const pid = Number.parseInt(text, 10);
      finish(Number.isSafeInteger(pid) && pid > 0 ? { alive: true, pid } : { alive: true });
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish({ alive: !(error.code === 'ECONNREFUSED' || error.code === 'ENOENT') }));
  });
}

async function pidFromFile(dir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(dir, CORRIDOR_LOCK_PID_FILE), 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function locked(dir: string, pid: number | undefined): OfsError {
  return new OfsError('CORRIDOR_LOCKED', {
    message: `the embedded corridor ${dir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}`,
    details: { dir, ...(pid === undefined ? {} : { holder_pid: pid }) },
  });
}

/**
 * Takes the exclusive lock of an embedded corridor directory: one process at a time may open its
 * PGlite database. The lock is a listening Unix socket, so the operating system frees it when the
 * holder dies (SIGKILL included) and no stale lock survives. The holder answers connections with
 * its pid and also writes it to `ofs.lock.pid`, so a second process fails at once with
 * `CORRIDOR_LOCKED` naming the holder. The socket does not keep the event loop alive.
 *
 * @example
 * const lock = await acquireCorridorLock('.ofs-demo');
 * try {
 *   // open PGlite under .ofs-demo/db
 * } finally {
 *   await lock.release();
 * }
 */
export async function acquireCorridorLock(dir: string, options: CorridorLockOptions = {}): Promise<CorridorLock> {
  const mode = options.mode ?? (process.platform === 'linux' ? 'abstract' : 'file');
  const address = corridorLockAddress(dir, mode);
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(`${process.pid}\n`);
  });
  server.on('error', () => undefined);
  // Two rounds at most: a stale socket file (its holder died) is unlinked once, then taken.
  for (let round = 0; round < 2; round++) {
    const error = await listen(server, address);
    if (error === undefined) {
      server.unref();
      await writeFile(join(dir, CORRIDOR_LOCK_PID_FILE), `${process.pid}\n`).catch(() => undefined);
      let released = false;
      return {
        address,
        async release() {
          if (released) return;
          released = true;
          // The pid file is informational: remove it only while it still names this process.
          if ((await pidFromFile(dir)) === process.pid) await unlink(join(dir, CORRIDOR_LOCK_PID_FILE)).catch(() => undefined);
          await new Promise<void>((resolve) => server.close(() => resolve()));
        },
      };
    }
    if (error.code !== 'EADDRINUSE') {
      throw new OfsError('CORRIDOR_CONFIG_INVALID', {
        message: `cannot take the lock of the embedded corridor ${dir}: ${error.message}`,
        cause: error,
      });
    }
    const holder = await askHolder(address);
    if (holder.alive) throw locked(dir, holder.pid ?? (await pidFromFile(dir)));
    if (mode === 'abstract') continue; // the holder closed between our listen and connect: try again
    await unlink(address).catch(() => undefined);
  }
  throw locked(dir, await pidFromFile(dir));
}

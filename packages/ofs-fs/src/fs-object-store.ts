import { randomBytes } from 'node:crypto';
import { constants, type Dirent, type Stats } from 'node:fs';
import { type FileHandle, link, lstat, mkdir, open, readdir, realpath, unlink } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import {
  type AbortOptions,
  assertObjectKey,
  assertObjectKeyPrefix,
  isObjectKey,
  type ObjectStore,
  OfsError,
  type PutResult,
  throwIfAborted,
} from '@ofs/contracts';

/** Options of `createFsObjectStore`. */
export interface FsObjectStoreOptions {
  /** Directory that holds every object (created on first write). Keys map to files below it. */
  root: string;
  /**
   * Whether to fsync files and directories (default `true`). Turning it off keeps atomicity
   * (a reader still never sees a partial object) but not durability across power loss.
   */
  fsync?: boolean;
}

/** Temporary files carry a `~`, which no key segment may contain, so `list` never shows them. */
const TEMP_MARK = '.~ofs-tmp-';

/**
 * The embedded default `ObjectStore`: one file per object under `root`.
 *
 * `putIfAbsent` writes a temporary file in the target's directory, fsyncs it, `link()`s it to
 * the key (which fails when the key exists, so an object is never replaced) and fsyncs the
 * directory. A reader never sees a partial object and a crash leaves at most an invisible
 * temporary file. Every key is confined to `root`: keys are validated (`assertObjectKey`), and a
 * symlink inside the root — as a directory on the way or as the object itself — that leads
 * outside it is refused with `REF_INVALID`. Objects are opened non-blocking and checked with
 * `fstat`, so a FIFO, socket or device planted as an object is refused at once with
 * `OBJECT_NOT_REGULAR_FILE` (never waited on). I/O failures are `STORE_UNAVAILABLE` (retryable).
 */
export function createFsObjectStore(options: FsObjectStoreOptions): ObjectStore {
  const base = resolve(options.root);
  const durable = options.fsync ?? true;
  let realBase: string | undefined;

  const realRoot = async (create: boolean): Promise<string | undefined> => {
    if (realBase !== undefined) return realBase;
    try {
      if (create) await mkdir(base, { recursive: true });
      realBase = await realpath(base);
      return realBase;
    } catch (error) {
      if (!create && codeOf(error) === 'ENOENT') return undefined;
      throw unavailable(error, `opening store root ${base}`);
    }
  };

  /** The directory of `segments` (relative to the root), after checking it does not escape. */
  const confinedDir = async (root: string, segments: readonly string[], key: string): Promise<string | undefined> => {
    const dir = join(root, ...segments);
    let real: string;
    try {
      real = await realpath(dir);
    } catch (error) {
      const code = codeOf(error);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw unavailable(error, `resolving ${key}`);
      // Missing: still refuse when the deepest existing ancestor leads out of the root.
      for (let depth = segments.length - 1; depth >= 1; depth--) {
        const ancestor = await realpath(join(root, ...segments.slice(0, depth))).catch(() => undefined);
        if (ancestor === undefined) continue;
        if (ancestor === root || ancestor.startsWith(root + sep)) return undefined;
        throw new OfsError('REF_INVALID', { message: `${key} resolves outside the store root (symlink)`, details: { key } });
      }
      return undefined;
    }
    if (real !== root && !real.startsWith(root + sep)) {
      throw new OfsError('REF_INVALID', { message: `${key} resolves outside the store root (symlink)`, details: { key } });
    }
    return real;
  };

  /**
   * Creates the directories of `segments` one level at a time. Each level is checked before
   * anything is created inside it, so a symlink that leads out of the root is refused before a
   * single byte is written outside it.
   */
  const ensureDir = async (root: string, segments: readonly string[], key: string): Promise<string> => {
    let dir = root;
    for (const segment of segments) {
      const next = join(dir, segment);
      let info = await lstatOrUndefined(next, key);
      if (info === undefined) {
        try {
          await mkdir(next);
          if (durable) await fsyncDir(dir);
          dir = next;
          continue;
        } catch (error) {
          if (codeOf(error) !== 'EEXIST') throw unavailable(error, `creating the directory of ${key}`);
          info = await lstatOrUndefined(next, key);
        }
      }
      if (info?.isSymbolicLink()) {
        const real = await realpath(next).catch(() => undefined);
        if (real === undefined || (real !== root && !real.startsWith(root + sep))) {
          throw new OfsError('REF_INVALID', { message: `${key} passes through a symlink that leaves the store root`, details: { key } });
        }
        const target = await lstatOrUndefined(real, key);
        if (!target?.isDirectory()) throw conflict(key);
        dir = real;
      } else if (info?.isDirectory()) {
        dir = next;
      } else {
        throw conflict(key);
      }
    }
    return dir;
  };

  const readObject = async (dir: string, name: string, key: string): Promise<Uint8Array | undefined> => {
    let handle: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO planted as an object would otherwise wait for a writer forever.
      handle = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      const code = codeOf(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      // A unix socket (or a device without a driver) cannot be opened at all.
      if (code === 'ENXIO' || code === 'EOPNOTSUPP') throw notRegular(key);
      if (code === 'ELOOP')
        throw new OfsError('REF_INVALID', { message: `${key} is a symlink; objects must be regular files`, details: { key } });
      throw unavailable(error, `reading ${key}`);
    }
    try {
      const info = await handle.stat();
      if (info.isDirectory()) return undefined;
      if (!info.isFile()) throw notRegular(key);
      return new Uint8Array(await handle.readFile());
    } catch (error) {
      if (codeOf(error) === 'EISDIR') return undefined;
      throw unavailable(error, `reading ${key}`);
    } finally {
      await handle.close();
    }
  };

  return {
    async get(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const root = await realRoot(false);
      if (root === undefined) return undefined;
      const segments = key.split('/');
      const name = segments.pop() as string;
      const dir = await confinedDir(root, segments, key);
      if (dir === undefined) return undefined;
      return readObject(dir, name, key);
    },

    async putIfAbsent(key, bytes, opts): Promise<PutResult> {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const root = (await realRoot(true)) as string;
      const segments = key.split('/');
      const name = segments.pop() as string;
      const dir = await ensureDir(root, segments, key);
      const existing = await readObject(dir, name, key);
      if (existing !== undefined) return { created: false, existing };
      throwIfAborted(opts?.signal);

      const temp = join(dir, `${TEMP_MARK}${process.pid}-${randomBytes(8).toString('hex')}`);
      let created = false;
      try {
        const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
        try {
          await handle.writeFile(bytes);
          if (durable) await handle.sync();
        } finally {
          await handle.close();
        }
        try {
          await link(temp, join(dir, name));
          created = true;
        } catch (error) {
          if (codeOf(error) !== 'EEXIST') throw error;
        }
      } catch (error) {
        throw unavailable(error, `writing ${key}`);
      } finally {
        await unlink(temp).catch(() => undefined);
      }
      if (created) {
        if (durable) {
          try {
            await fsyncDir(dir);
          } catch (error) {
            throw unavailable(error, `syncing ${key}`);
          }
        }
        return { created: true };
      }
      const winner = await readObject(dir, name, key);
      if (winner === undefined)
        throw new OfsError('STORE_UNAVAILABLE', { message: `${key} vanished while being written`, details: { key } });
      return { created: false, existing: winner };
    },

    async *list(prefix, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKeyPrefix(prefix);
      const limit = opts?.limit ?? Number.POSITIVE_INFINITY;
      if (limit <= 0) return;
      const root = await realRoot(false);
      if (root === undefined) return;
      const cut = prefix.lastIndexOf('/');
      const dirSegments = cut < 0 ? [] : prefix.slice(0, cut).split('/');
      const dir = await confinedDir(root, dirSegments, prefix);
      if (dir === undefined) return;
      let yielded = 0;
      for await (const key of walk(dir, dirSegments.length === 0 ? '' : `${dirSegments.join('/')}/`, prefix, opts?.after, opts)) {
        yield key;
        if (++yielded >= limit) return;
      }
    },

    async delete(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const root = await realRoot(false);
      if (root === undefined) return;
      const segments = key.split('/');
      const name = segments.pop() as string;
      const dir = await confinedDir(root, segments, key);
      if (dir === undefined) return;
      try {
        const info = await lstat(join(dir, name));
        if (!info.isFile()) return;
        await unlink(join(dir, name));
        if (durable) await fsyncDir(dir);
      } catch (error) {
        if (codeOf(error) === 'ENOENT') return;
        throw unavailable(error, `deleting ${key}`);
      }
    },

    async stat(key, opts) {
      throwIfAborted(opts?.signal);
      assertObjectKey(key);
      const root = await realRoot(false);
      if (root === undefined) return undefined;
      const segments = key.split('/');
      const name = segments.pop() as string;
      const dir = await confinedDir(root, segments, key);
      if (dir === undefined) return undefined;
      try {
        const info = await lstat(join(dir, name));
        return info.isFile() ? { size: info.size, modifiedMs: info.mtimeMs } : undefined;
      } catch (error) {
        if (codeOf(error) === 'ENOENT' || codeOf(error) === 'ENOTDIR') return undefined;
        throw unavailable(error, `stat ${key}`);
      }
    },
  };
}

/**
 * Yields the keys under directory `dir` (whose keys start with `dirKey`) that start with
 * `prefix` and sort after `after`, in ascending byte order. A directory's subtree is one
 * contiguous run of keys starting with `name/`, so sorting entries by `name` (files) and
 * `name/` (directories) and recursing gives global order; subtrees entirely before `after`
 * or outside `prefix` are skipped without being read. Symlinks and names that are not key
 * segments (temporary files) are ignored.
 */
async function* walk(dir: string, dirKey: string, prefix: string, after: string | undefined, opts?: AbortOptions): AsyncGenerator<string> {
  throwIfAborted(opts?.signal);
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = codeOf(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw unavailable(error, `listing ${dirKey || '/'}`);
  }
  const items: { group: string; name: string; isDir: boolean }[] = [];
  for (const entry of entries) {
    if (!isObjectKey(entry.name) || entry.name.includes('/')) continue;
    if (entry.isDirectory()) items.push({ group: `${dirKey}${entry.name}/`, name: entry.name, isDir: true });
    else if (entry.isFile()) items.push({ group: `${dirKey}${entry.name}`, name: entry.name, isDir: false });
  }
  items.sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0));
  for (const item of items) {
    if (item.isDir) {
      if (!(item.group.startsWith(prefix) || prefix.startsWith(item.group))) continue;
      if (after !== undefined && item.group < after && !after.startsWith(item.group)) continue;
      yield* walk(join(dir, item.name), item.group, prefix, after, opts);
    } else {
      if (!item.group.startsWith(prefix)) continue;
      if (after !== undefined && item.group <= after) continue;
      yield item.group;
    }
  }
}

async function lstatOrUndefined(path: string, key: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    if (codeOf(error) === 'ENOTDIR') throw conflict(key);
    throw unavailable(error, `inspecting the path of ${key}`);
  }
}

function notRegular(key: string): OfsError {
  return new OfsError('OBJECT_NOT_REGULAR_FILE', {
    message: `${key} is not a regular file (a FIFO, socket or device in its place); it is refused unread`,
    details: { key },
  });
}

function conflict(key: string): OfsError {
  return new OfsError('REF_INVALID', { message: `${key} conflicts with an existing object on its path`, details: { key } });
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { code?: string }).code : undefined;
}

function unavailable(error: unknown, what: string): OfsError {
  if (error instanceof OfsError) return error;
  const code = codeOf(error);
  if (code === 'ENAMETOOLONG') return new OfsError('REF_INVALID', { message: `${what}: name too long for this filesystem`, cause: error });
  const text = error instanceof Error ? error.message : String(error);
  return new OfsError('STORE_UNAVAILABLE', { message: `${what}: ${text}`, details: { errno: code ?? null }, cause: error });
}

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The binaries a radosgw test server needs (Debian: `apt-get install --no-install-recommends radosgw ceph-mon ceph-osd`). */
export const RADOSGW_BINARIES = ['monmaptool', 'ceph-mon', 'ceph-osd', 'ceph', 'radosgw', 'radosgw-admin'] as const;

/** A running single-host Ceph cluster with an S3 gateway, started by `startRadosgw`. */
export interface RadosgwServer {
  /** `http://127.0.0.1:{port}` of the gateway. */
  readonly endpoint: string;
  /** Region to configure the client with (radosgw accepts any). */
  readonly region: string;
  /** Access key of the S3 user created for the run. */
  readonly accessKeyId: string;
  /** Secret key of that user. */
  readonly secretAccessKey: string;
  /** The per-run directory (config, logs, monitor store); removed by `stop`. */
  readonly dir: string;
  /** Stops the gateway, the OSD and the monitor by pid and removes the directory. */
  stop(): Promise<void>;
}

/** Names of the binaries from `RADOSGW_BINARIES` that are not on `PATH` (empty when all are). */
export function missingRadosgwBinaries(): string[] {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  return RADOSGW_BINARIES.filter(
    (name) =>
      !dirs.some((dir) => {
        try {
          accessSync(join(dir, name), constants.X_OK);
          return true;
        } catch {
          return false;
        }
      }),
  );
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function configText(dir: string, fsid: string, v1: number, v2: number, http: number): string {
  return `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${v2},v1:127.0.0.1:${v1}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon max pg per osd = 1000
paxos propose interval = 0.01
paxos min wait = 0.001
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
mon data = ${dir}/mon/$cluster-$id
osd data = ${dir}/osd/$cluster-$id
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 460
osd max object namespace len = 64
keyring = ${dir}/keyring
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${http}
rgw data = ${dir}/rgw
`;
}

/**
 * Starts Ceph's S3 gateway as plain processes in a fresh temporary directory on free ports: one
 * monitor, one OSD on `memstore` (nothing touches a disk but the monitor's small store), the
 * gateway, and an S3 user with random keys; no mgr, no auth between daemons. About 2–3 s and
 * ~150 MB here. Every daemon is stopped by its pid in `stop()` (and on process exit). Pitfalls
 * it avoids: the monmap carries both v2 and v1 addresses (else clients hang), `ms mon client mode
 * = crc` (else the gateway never listens with auth `none`), near-zero paxos intervals (else
 * ~17 s to start), addresses pinned to 127.0.0.1.
 */
export async function startRadosgw(options: { readyTimeoutMs?: number } = {}): Promise<RadosgwServer> {
  const missing = missingRadosgwBinaries();
  if (missing.length > 0) throw new Error(`radosgw test server: missing binaries ${missing.join(', ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'ofs-rgw-'));
  const children: ChildProcess[] = [];
  const killAll = (): void => {
    for (const child of children.reverse()) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', killAll);
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && child.pid !== undefined && process.kill(child.pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const [v1, v2, http] = [await freePort(), await freePort(), await freePort()];
    const fsid = randomUUID();
    const conf = join(dir, 'ceph.conf');
    for (const sub of ['mon', 'osd/ceph-0', 'run', 'log', 'rgw']) await mkdir(join(dir, sub), { recursive: true });
    await writeFile(conf, configText(dir, fsid, v1, v2, http));
    const monmap = join(dir, 'monmap');
    await run('monmaptool', ['--create', '--addv', 'a', `[v2:127.0.0.1:${v2},v1:127.0.0.1:${v1}]`, '--fsid', fsid, monmap]);
    await run('ceph-mon', ['-c', conf, '--mkfs', '-i', 'a', '--monmap', monmap]);
    const daemon = (command: string, args: string[]): void => {
      const child = spawn(command, ['-c', conf, '-f', ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
      child.on('error', () => undefined);
      children.push(child);
    };
    daemon('ceph-mon', ['-i', 'a']);
    const { stdout: osdId } = await run('ceph', ['-c', conf, '--connect-timeout', '30', 'osd', 'create']);
    const id = osdId.trim();
    await run('ceph-osd', ['-c', conf, '-i', id, '--mkfs']);
    daemon('ceph-osd', ['-i', id]);
    const accessKeyId = `OFS${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}`;
    const secretAccessKey = randomUUID().replace(/-/g, '');
    await run(
      'radosgw-admin',
      [
        '-c',
        conf,
        'user',
        'create',
        '--uid=ofs-test',
        '--display-name=ofs-test',
        `--access-key=${accessKeyId}`,
        `--secret=${secretAccessKey}`,
      ],
      {
        timeout: 60_000,
      },
    );
    daemon('radosgw', ['-n', 'client.rgw']);
    const endpoint = `http://127.0.0.1:${http}`;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    for (;;) {
      const ok = await fetch(endpoint).then(
        (r) => r.status < 500,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        const log = await readFile(join(dir, 'log', 'client.rgw.log'), 'utf8').catch(() => '');
        throw new Error(`radosgw did not answer on ${endpoint}: ${log.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return { endpoint, region: 'us-east-1', accessKeyId, secretAccessKey, dir, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

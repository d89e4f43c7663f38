/**
 * A one-node Slurm cluster for the test of the array-job scripts: Debian's munged, slurmctld and slurmd
 * started in the foreground as children of this process (so their PIDs are known), with their own
 * munge key and socket, ports, state, spool and log files in a temporary folder
 * (deploy/slurm/local-cluster/slurm.conf.in). stop() cancels the cluster's jobs and stops exactly the
 * processes it started (by PID, then any process whose command line names the cluster's folder, which
 * only this cluster's job steps do), also when a test failed or timed out.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const DAEMONS = { munged: '/usr/sbin/munged', slurmctld: '/usr/sbin/slurmctld', slurmd: '/usr/sbin/slurmd' } as const;
const CLIENTS = ['sbatch', 'sinfo', 'scontrol', 'scancel'];

/** Why the cluster cannot run here, or undefined when it can. */
export function unavailable(): string | undefined {
  const missing = Object.values(DAEMONS).filter((p) => !existsSync(p));
  if (missing.length > 0) return `Slurm is not installed (missing ${missing.join(', ')}; apt-get install slurm-wlm munge)`;
  for (const c of CLIENTS) if (spawnSync('which', [c]).status !== 0) return `the Slurm client ${c} is not on the PATH`;
  if (process.getuid?.() !== 0) return 'starting slurmd needs root';
  if (spawnSync('id', ['-u', 'munge']).status !== 0) return 'there is no munge user (apt-get install munge)';
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export class LocalSlurm {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  private readonly children: { name: string; child: ChildProcess }[] = [];
  private readonly onExit = (): void => this.killNow();

  private constructor(dir: string) {
    this.dir = dir;
    this.env = { ...process.env, SLURM_CONF: join(dir, 'slurm.conf') };
    process.once('exit', this.onExit);
  }

  /** Starts munged, slurmctld and slurmd, and waits (at most `timeoutMs`) until the node is idle. */
  static async start(template: string, timeoutMs = 30_000): Promise<LocalSlurm> {
    const dir = mkdtempSync(join(tmpdir(), 'nnsim-slurm-'));
    chmodSync(dir, 0o755);
    const cluster = new LocalSlurm(dir);
    try {
      const munge = join(dir, 'munge');
      mkdirSync(munge);
      mkdirSync(join(dir, 'state'));
      mkdirSync(join(dir, 'spool'));
      const uid = Number(spawnSync('id', ['-u', 'munge'], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', 'munge'], { encoding: 'utf8' }).stdout.trim());
      // munged wants its key readable by itself only, and a socket folder others may enter.
      writeFileSync(join(munge, 'munge.key'), randomBytes(1024), { mode: 0o600 });
      chownSync(join(munge, 'munge.key'), uid, gid);
      chownSync(munge, uid, gid);
      chmodSync(munge, 0o755);
      const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
      const values: Record<string, string> = {
        DIR: dir,
        CLUSTER: `nnsim${process.pid}`,
        HOST: hostname(),
        ADDRESS: '127.0.0.1',
        CTLD_PORT: String(ctldPort),
        SLURMD_PORT: String(slurmdPort),
        CPUS: String(cpus().length),
      };
      writeFileSync(join(dir, 'slurm.conf'), readFileSync(template, 'utf8').replace(/@([A-Z_]+)@/g, (_, key: string) => values[key] ?? `@${key}@`));
      cluster.launch('munged', 'setpriv', [
        `--reuid=${uid}`,
        `--regid=${gid}`,
        '--clear-groups',
        DAEMONS.munged,
        '--foreground',
        `--socket=${join(munge, 'munge.socket')}`,
        `--key-file=${join(munge, 'munge.key')}`,
        `--pid-file=${join(munge, 'munged.pid')}`,
        `--log-file=${join(munge, 'munged.log')}`,
        `--seed-file=${join(munge, 'munged.seed')}`,
      ]);
      await cluster.waitFor(() => existsSync(join(munge, 'munge.socket')), 10_000, 'munged to create its socket');
      cluster.launch('slurmctld', DAEMONS.slurmctld, ['-D', '-f', join(dir, 'slurm.conf')]);
      cluster.launch('slurmd', DAEMONS.slurmd, ['-D', '-f', join(dir, 'slurm.conf')]);
      await cluster.waitFor(() => cluster.run('sinfo', ['-h', '-o', '%t']).stdout.trim() === 'idle', timeoutMs, 'the node to be idle');
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private launch(name: string, command: string, args: string[]): void {
    const child = spawn(command, args, { env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4000)));
    child.once('exit', (code, signal) => {
      if (!this.stopping) this.failures.push(`${name} exited early (${signal ?? code}): ${output.trim().split('\n').slice(-3).join(' | ')}`);
    });
    this.children.push({ name, child });
  }

  private stopping = false;
  private readonly failures: string[] = [];

  /** A client command (sbatch, scontrol …) against this cluster. */
  run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(command, args, { cwd: options.cwd ?? this.dir, env: { ...this.env, ...options.env }, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Polls `ready` every 250 ms; throws (with the daemons' last words) after `timeoutMs`. */
  async waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.failures.length > 0) throw new Error(`local Slurm: ${this.failures.join('; ')}`);
      if (ready()) return;
      await sleep(250);
    }
    throw new Error(`local Slurm: timed out after ${timeoutMs} ms waiting for ${what}; logs in ${this.dir}: ${this.logTail()}`);
  }

  /** The state of a job (COMPLETED, FAILED, PENDING …) as scontrol reports it. */
  jobState(id: string): string {
    const out = this.run('scontrol', ['show', 'job', id]).stdout;
    return /JobState=(\S+)/.exec(out)?.[1] ?? 'UNKNOWN';
  }

  private logTail(): string {
    return ['slurmctld.log', 'slurmd.log']
      .map((f) => join(this.dir, f))
      .filter(existsSync)
      .map((f) => readFileSync(f, 'utf8').trim().split('\n').slice(-2).join(' | '))
      .join(' || ');
  }

  /** Processes (other than the daemons) whose command line names this cluster's folder: its job steps. */
  private strays(): number[] {
    const own = new Set(this.children.map((c) => c.child.pid));
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid || own.has(Number(entry))) continue;
      try {
        const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8');
        if (cmdline.includes(this.dir)) found.push(Number(entry));
      } catch {
        // The process ended meanwhile.
      }
    }
    return found;
  }

  /** Cancels the cluster's jobs, stops the daemons it started (TERM, then KILL after 10 s) and removes its folder. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.children.some((c) => c.name === 'slurmctld' && c.child.exitCode === null)) {
      this.run('scancel', ['--full', '--quiet', '--user', String(process.getuid?.() ?? 0)]);
      await sleep(500);
    }
    // slurmd, then slurmctld, then munged (the Slurm daemons need munge to shut down cleanly).
    for (const { child } of [...this.children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const exited = await Promise.race([new Promise<boolean>((r) => child.once('exit', () => r(true))), sleep(10_000).then(() => false)]);
      if (!exited) child.kill('SIGKILL');
    }
    for (const pid of this.strays()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    process.removeListener('exit', this.onExit);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort when the test process exits without stop(): kill by PID, synchronously. */
  private killNow(): void {
    for (const { child } of this.children) if (child.exitCode === null) child.kill('SIGKILL');
    for (const pid of this.strays()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  /** Whether any process this cluster started is still running. */
  alive(): string[] {
    return [
      ...this.children.filter((c) => c.child.exitCode === null && c.child.signalCode === null).map((c) => `${c.name} (${c.child.pid})`),
      ...this.strays().map((pid) => `pid ${pid}`),
    ];
  }
}

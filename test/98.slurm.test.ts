// The Slurm scripts for real: a one-node cluster from Debian's packages (test/helpers/slurm.ts) runs
// deploy/slurm/submit.sh on the demo data with 4 shards — an array job, then the merge with
// --dependency=afterok — and the merged report equals the unsharded run's byte for byte. Skipped, saying
// why, where Slurm is not installed or the test does not run as root (.ci/run installs slurm-wlm munge).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CLI, ROOT, ensureBuilt, nnsim } from './helpers/cli.js';
import { LocalSlurm, unavailable } from './helpers/slurm.js';

const reason = unavailable();
if (reason) console.log(`test/98.slurm.test.ts skipped: ${reason}`);

describe.skipIf(reason !== undefined)('Slurm array job on a local one-node cluster', () => {
  let cluster: LocalSlurm | undefined;

  beforeAll(async () => {
    ensureBuilt();
    cluster = await LocalSlurm.start(join(ROOT, 'deploy', 'slurm', 'local-cluster', 'slurm.conf.in'));
  }, 60_000);

  afterAll(async () => {
    if (!cluster) return;
    const dir = cluster.dir;
    await cluster.stop();
    expect(cluster.alive()).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 60_000);

  it('runs 4 shards as an array job, merges them after all succeed, and equals the single run', async () => {
    const c = cluster!;
    const models = ['seed-0', 'seed-1', 'shuffled-labels'].map((m) => join(ROOT, 'data', 'demo', m));
    const flags = ['--all-layers', '-m', 'cka,procrustes,pwcca,rsa', '--cluster', '--no-png', '--quiet'];
    // The shards run with one BLAS thread each (--cpus-per-task=1): the single run too.
    const single = join(c.dir, 'single');
    const local = nnsim(['matrix', ...models, ...flags, '--out', single], ROOT, { OPENBLAS_NUM_THREADS: '1' });
    expect(local.status, local.stderr).toBe(0);
    const parts = join(c.dir, 'parts');
    const report = join(c.dir, 'report');
    const submit = c.run(join(ROOT, 'deploy', 'slurm', 'submit.sh'), ['4', parts, report, ...models, ...flags], {
      env: { NNSIM: `${process.execPath} ${CLI}`, NNSIM_SBATCH_OPTIONS: `--cpus-per-task=1 --chdir=${c.dir}` },
    });
    expect(submit.status, submit.stderr).toBe(0);
    const ids = /array job (\d+) .*merge: job (\d+)/.exec(submit.stdout);
    expect(ids, submit.stdout).not.toBeNull();
    const [, arrayId, mergeId] = ids!;
    await c.waitFor(() => ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'NODE_FAIL'].includes(c.jobState(mergeId!)), 150_000, `merge job ${mergeId}`);
    const logs = readdirSync(c.dir).filter((f) => f.endsWith('.log') && f.startsWith('nnsim-'));
    const logText = logs.map((f) => `${f}: ${readFileSync(join(c.dir, f), 'utf8')}`).join('\n');
    expect(c.jobState(mergeId!), logText).toBe('COMPLETED');
    // Four array tasks, each a shard, each its own part file and log.
    expect(readdirSync(parts).sort()).toEqual(['part-0-of-4.json', 'part-1-of-4.json', 'part-2-of-4.json', 'part-3-of-4.json']);
    expect(logs.filter((f) => f.startsWith(`nnsim-matrix-${arrayId}_`)).sort()).toEqual([0, 1, 2, 3].map((i) => `nnsim-matrix-${arrayId}_${i}.log`));
    for (const i of [0, 1, 2, 3]) expect(readFileSync(join(c.dir, `nnsim-matrix-${arrayId}_${i}.log`), 'utf8')).toContain(`part-${i}-of-4.json (shard ${i} of 4`);
    for (const file of ['results.json', 'results.csv']) {
      expect(readFileSync(join(report, file), 'utf8'), file).toBe(readFileSync(join(single, file), 'utf8'));
    }
  }, 200_000);
});

/** Running the real `nnsim` binary (dist/cli.js) in tests, rebuilt when a source is newer. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = statSync(path);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(path) : stat.mtimeMs);
  }
  return newest;
}

/** For beforeAll: the tests run the real binary, so (re)build dist/ when a source is newer than it. */
export function ensureBuilt(): void {
  if (!existsSync(CLI) || statSync(CLI).mtimeMs < newestSource(join(ROOT, 'src'))) {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], {
      encoding: 'utf8',
    });
    if (build.status !== 0) throw new Error(`tsc failed: ${build.stdout}${build.stderr}`);
  }
}

/** Runs the command line (dist/cli.js, or another copy of it) with `args`. */
export function nnsim(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}, cli = CLI): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NNSIM_DEBUG: '', ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A user error: non-zero exit, exactly one line on stderr, no stack trace. */
export function expectOneLineError(r: ReturnType<typeof nnsim>, pattern: RegExp): void {
  expect(r.status, r.stderr).not.toBe(0);
  expect(r.status).not.toBe(70);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^nnsim: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

export const tmp = (): string => mkdtempSync(join(tmpdir(), 'nnsim-cli-'));

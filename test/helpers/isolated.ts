/**
 * Runs a snippet against the built package (dist/, which `npm test` builds first) in a separate Node
 * process that is killed after a time limit: for faults that would otherwise hang the test runner
 * itself (a native call that never returns cannot be interrupted from JS).
 */
import { spawnSync } from 'node:child_process';

const DIST = new URL('../../dist/index.js', import.meta.url).href;

export interface IsolatedRun {
  /** The process was killed at the time limit. */
  readonly timedOut: boolean;
  /** What the snippet printed with `report(value)` (JSON), when it finished. */
  readonly result: unknown;
  readonly stderr: string;
}

/**
 * `body` is an ES module body with `nnsim` (the package's exports) in scope; it calls `report(value)`
 * once with a JSON-serialisable value.
 */
export function runIsolated(body: string, timeoutMs: number): IsolatedRun {
  const script = `import * as nnsim from ${JSON.stringify(DIST)};
const report = (value) => process.stdout.write('\\u0000' + JSON.stringify(value) + '\\n');
${body}`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const timedOut = (child.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT';
  const line = child.stdout?.split('\n').find((l) => l.startsWith('\u0000'));
  return { timedOut, result: line === undefined ? undefined : JSON.parse(line.slice(1)), stderr: child.stderr ?? '' };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** A Vigil service started as a child process by the demo or a benchmark. */
export interface RunningService {
  name: string;
  child: ChildProcess;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<number | null>;
}

/** Options for {@link startService}. */
export interface StartServiceOptions {
  /** The service folder under services/, e.g. `detector`. */
  name: string;
  /** Repository root. */
  root: string;
  /** Environment added to the parent's. */
  env: Record<string, string>;
  /** Where stdout/stderr go. Default `<root>/.vigil/logs`. */
  logDir?: string;
  /** Script to run. Default `src/main.ts`. */
  entry?: string;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
  /**
   * Own process group, so a Ctrl-C in the terminal reaches only the parent, which then stops the
   * child with one SIGTERM (a second signal makes some services exit without finishing). Default false.
   */
  detached?: boolean;
}

/** Starts `node --import tsx services/<name>/<entry>` with its output in a log file. */
export function startService(options: StartServiceOptions): RunningService {
  const logDir = options.logDir ?? join(options.root, '.vigil', 'logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${options.name}.log`);
  const out = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      '--import',
      'tsx',
      join('services', options.name, options.entry ?? 'src/main.ts'),
    ],
    {
      cwd: options.root,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    },
  );
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: options.name,
    child,
    logFile,
    stop: async (graceMs = 15000) => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Polls an HTTP URL until it answers 200, or throws naming the URL (and the service's log). */
export async function waitHttpOk(url: string, timeoutMs = 60000, service?: RunningService): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (service && service.child.exitCode !== null) {
      throw new Error(`${service.name} exited with code ${service.child.exitCode}; see ${service.logFile}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
      last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${url} not ready after ${timeoutMs} ms (${last})${service ? `; see ${service.logFile}` : ''}`,
  );
}

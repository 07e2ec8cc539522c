/**
 * Server processes under test: spawned fresh, watched through /proc (CPU
 * time, peak resident memory), stopped with SIGTERM.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { createServer } from 'node:net';
import { sleep } from './stats';

const TICKS_PER_SECOND = 100; // USER_HZ, 100 on Linux

/** utime + stime of a live process, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** VmHWM, the peak resident set size of a live process so far, in bytes. */
export function peakRss(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function status(url: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get(url, { agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', () => resolve(0));
    request.setTimeout(2000, () => request.destroy());
  });
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '';
  }
}

export interface SpawnSpec {
  label: string;
  args: string[];
  env: Record<string, string>;
  /** stdout and stderr go here. */
  logFile: string;
}

function spawnLogged(spec: SpawnSpec): ChildProcess {
  const log = openSync(spec.logFile, 'a');
  try {
    return spawn(process.execPath, spec.args, { env: { ...process.env, ...spec.env }, stdio: ['ignore', log, log] });
  } finally {
    closeSync(log);
  }
}

export class ServerProcess {
  private exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly label: string,
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly logFile: string,
    /** From spawn to the first 200 of /health/ready, in milliseconds. */
    public readyMs = NaN,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve((this.exitCode = code))));
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Spawns the server on `port` and waits for its readiness probe to answer 200. */
  static async start(spec: SpawnSpec & { port: number }): Promise<ServerProcess> {
    const started = process.hrtime.bigint();
    const child = spawnLogged(spec);
    const server = new ServerProcess(spec.label, `http://127.0.0.1:${spec.port}`, child, spec.logFile);
    const deadline = Date.now() + 120_000;
    while ((await status(`${server.url}/health/ready`)) !== 200) {
      if (server.exitCode !== undefined) throw new Error(`${spec.label} exited (${server.exitCode}) before it was ready:\n${tail(spec.logFile)}`);
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`${spec.label} was not ready within 120 s:\n${tail(spec.logFile)}`);
      }
      await sleep(5);
    }
    server.readyMs = Number(process.hrtime.bigint() - started) / 1e6;
    return server;
  }

  cpuSeconds(): number {
    this.assertRunning();
    return cpuSeconds(this.pid);
  }

  peakRss(): number {
    this.assertRunning();
    return peakRss(this.pid);
  }

  private assertRunning(): void {
    if (this.exitCode !== undefined) throw new Error(`${this.label} died (exit ${this.exitCode}):\n${tail(this.logFile)}`);
  }

  /** SIGTERM, and SIGKILL if it has not exited 30 s later. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A command run to its end: exit code, stdout, wall time and (through a preloaded hook) its peak RSS. */
export async function runCommand(
  spec: Omit<SpawnSpec, 'logFile'> & { preload: string },
): Promise<{ code: number | null; stdout: string; seconds: number; peakRss: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, ['--require', spec.preload, ...spec.args], {
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = /bench-peak-rss (\d+)/.exec(stderr);
  if (code !== 0) throw new Error(`${spec.label} failed (exit ${code}):\n${stdout}\n${stderr}`);
  return { code, stdout, seconds, peakRss: rss ? Number(rss[1]) * 1024 : NaN };
}

/** The preloaded hook of runCommand: prints the process's peak RSS (kB) on stderr as it exits. */
export const PEAK_RSS_PRELOAD = `process.on('exit', () => require('fs').writeSync(2, '\\nbench-peak-rss ' + process.resourceUsage().maxRSS + '\\n'));\n`;

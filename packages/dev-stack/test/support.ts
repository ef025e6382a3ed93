/**
 * Runs the start logic as `pnpm start` does, on spare loopback ports for Redis, Postgres, the core
 * and the gateway (never the machine's own 6379 and 5432), and checks what it leaves behind.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { answers } from '../src/addresses.ts'
import { waitUntil } from '../src/wait.ts'

const PACKAGE = fileURLToPath(new URL('..', import.meta.url))
const REPO = fileURLToPath(new URL('../../..', import.meta.url))

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}

/** Every process below `root` now (ps is POSIX: the same on Linux and macOS). */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>()
  for (const line of execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' }).trim().split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number) as [number, number]
    children.set(ppid, [...(children.get(ppid) ?? []), pid])
  }
  const found: number[] = []
  const walk = (pid: number) => {
    for (const child of children.get(pid) ?? []) {
      found.push(child)
      walk(child)
    }
  }
  walk(root)
  return found
}

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export interface Run {
  proc: ChildProcess
  output: () => string
  exited: Promise<number | null>
  ports: { redis: number; postgres: number; core: number; gateway: number }
  dataDir: string
  /** How long it may take to get ready: `pnpm start` compiles first, which on a tree never built takes a while. */
  readyWithinMs: number
  /** The processes below it now; each is remembered, so a failed case still kills them all. */
  tree(): number[]
}

/** Runs the start logic (`via: 'pnpm'`: the README's `pnpm start` itself) on spare ports. */
export async function runStart(t: Test, opts: { via?: 'node' | 'pnpm'; dataDir?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const ports = { redis: await freePort(), postgres: await freePort(), core: await freePort(), gateway: await freePort() }
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'rushgate-dev-stack-')))
  if (!opts.dataDir) t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const flags = ['--data-dir', dataDir, '--skip-page-build']
  const [command, args, cwd] =
    opts.via === 'pnpm' ? ['pnpm', ['start', ...flags], REPO] : [process.execPath, ['--import', 'tsx', 'src/start.ts', ...flags], PACKAGE]
  const proc = spawn(command, args, {
    cwd,
    env: {
      ...process.env,
      REDIS_URL: `redis://127.0.0.1:${ports.redis}`,
      DATABASE_URL: `postgres://postgres@127.0.0.1:${ports.postgres}/rushgate`,
      CORE_PORT: String(ports.core),
      GATEWAY_PORT: String(ports.gateway),
      CORE_URL: '',
      REDIS_CLUSTER_NODES: '',
      LOG_LEVEL: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout!.on('data', (chunk) => (output += chunk))
  proc.stderr!.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const seen = new Set<number>()
  const tree = () => {
    const now = descendants(proc.pid!)
    for (const pid of now) seen.add(pid)
    return now
  }
  // Should an assertion fail midway, nothing is left behind either.
  t.teardown(() => {
    tree()
    for (const pid of [...seen, proc.pid!].filter(alive)) process.kill(pid, 'SIGKILL')
  })
  return { proc, output: () => output, exited, ports, dataDir, readyWithinMs: opts.via === 'pnpm' ? 400_000 : 90_000, tree }
}

/** Waits for /health/ready of the gateway and the core; fails at once should pnpm start exit first. */
export async function whenReady(run: Run): Promise<void> {
  const deadline = Date.now() + run.readyWithinMs
  for (const port of [run.ports.gateway, run.ports.core]) {
    for (;;) {
      if (run.proc.exitCode !== null) throw new Error(`pnpm start exited (${run.proc.exitCode}) before it was ready:\n${run.output()}`)
      if (await fetch(`http://127.0.0.1:${port}/health/ready`).then((res) => res.ok, () => false)) break
      if (Date.now() > deadline) throw new Error(`not ready within ${run.readyWithinMs / 1000} s:\n${run.output()}`)
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

export async function pidIn(file: string): Promise<number> {
  return Number((await readFile(file, 'utf8')).split('\n')[0])
}

/** Waits for the start to end and checks that everything it started is gone. */
export async function allGone(t: Test, run: Run, started: number[], expectedCode: number): Promise<void> {
  t.equal(await run.exited, expectedCode, `pnpm start exits with ${expectedCode}`)
  await waitUntil('every started process gone', async () => started.every((pid) => !alive(pid)), 15_000)
  t.same(started.filter(alive), [], `none of the ${started.length} processes it started is left`)
  for (const [name, port] of Object.entries(run.ports)) t.notOk(await answers({ host: '127.0.0.1', port }), `nothing listens on the ${name} port`)
}


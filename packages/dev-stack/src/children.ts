/**
 * The processes `pnpm start` runs. Each gets a process group of its own, so a Ctrl-C in the
 * terminal reaches only the supervisor, which then stops them in order (a second signal would
 * make a service skip its graceful close). Should the supervisor itself exit without stopping
 * them, the `exit` hook still signals whatever runs.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'

export type ExitStatus = { code: number | null; signal: NodeJS.Signals | null; error?: Error }

export interface ChildOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Run as this user (when the supervisor is root and the program refuses to be). */
  user?: { uid: number; gid: number }
  /**
   * Where the output goes: `prefixed` writes each line to the terminal behind the child's name,
   * a file descriptor takes it all (a server's log file).
   */
  output: 'prefixed' | number
}

export interface Child {
  exited: Promise<ExitStatus>
  running(): boolean
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(signal: NodeJS.Signals, graceMs: number): Promise<ExitStatus>
}

const running = new Set<ChildProcess>()

process.once('exit', () => {
  for (const proc of running) proc.kill('SIGTERM')
})

const COLORS = ['\x1b[34m', '\x1b[35m', '\x1b[36m', '\x1b[33m']
let nextColor = 0

/** Writes each line of `stream` to `to` behind the child's name (in its colour on a terminal). */
function prefixLines(name: string, color: string, stream: NodeJS.ReadableStream, to: NodeJS.WriteStream): void {
  const label = to.isTTY ? `${color}${name.padEnd(8)}|\x1b[0m ` : `${name.padEnd(8)}| `
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => to.write(label + line + '\n'))
}

export function startChild(name: string, command: string, args: string[], options: ChildOptions): Child {
  const proc = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    uid: options.user?.uid,
    gid: options.user?.gid,
    detached: true,
    stdio: options.output === 'prefixed' ? ['ignore', 'pipe', 'pipe'] : ['ignore', options.output, options.output],
  })
  running.add(proc)
  if (options.output === 'prefixed') {
    const color = COLORS[nextColor++ % COLORS.length]!
    prefixLines(name, color, proc.stdout!, process.stdout)
    prefixLines(name, color, proc.stderr!, process.stderr)
  }
  const exited = new Promise<ExitStatus>((resolve) => {
    proc.once('exit', (code, signal) => {
      running.delete(proc)
      resolve({ code, signal })
    })
    proc.once('error', (error) => {
      running.delete(proc)
      resolve({ code: null, signal: null, error })
    })
  })
  const isRunning = () => running.has(proc)
  return {
    exited,
    running: isRunning,
    async stop(signal, graceMs) {
      if (isRunning()) {
        proc.kill(signal)
        const timer = setTimeout(() => isRunning() && proc.kill('SIGKILL'), graceMs)
        await exited
        clearTimeout(timer)
      }
      return exited
    },
  }
}

/** Runs a command to its end (initdb); rejects with the exit status when it fails. */
export async function runToEnd(name: string, command: string, args: string[], options: ChildOptions): Promise<void> {
  const status = await startChild(name, command, args, options).exited
  if (status.code !== 0) throw new Error(`${name} failed: ${describeExit(status)}`)
}

export function describeExit(status: ExitStatus): string {
  if (status.error) return status.error.message
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`
}

/** A child `pnpm start` started, and how it is stopped politely. */
export interface Supervised {
  child: Child
  stop(): Promise<ExitStatus>
}

/** Waits until `check` is true; fails at once, with `why`, should the child exit first. */
export async function untilReady(child: Child, what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check().catch(() => false))) {
    if (!child.running()) throw new Error(`${what} exited before it was ready (${describeExit(await child.exited)})`)
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs / 1000} s`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** Child processes the kit starts: their output is kept for failure messages, and they die with the test. */
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'

export interface Child {
  proc: ChildProcess
  /** The last 64 KiB of stdout and stderr together. */
  output(): string
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<number | NodeJS.Signals | null>
  alive(): boolean
  /** Sends the signal and waits for the process to go (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>
}

const OUTPUT_LIMIT = 64 * 1024
const everyChild = new Set<ChildProcess>()

// A crashed test must not leave servers behind on the shared machine.
process.once('exit', () => {
  for (const proc of everyChild) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
})

export function startChild(command: string, args: string[], options: SpawnOptions = {}): Child {
  const proc = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options })
  everyChild.add(proc)
  let buffer = ''
  const keep = (chunk: Buffer) => {
    buffer += chunk.toString('utf8')
    if (buffer.length > OUTPUT_LIMIT) buffer = buffer.slice(-OUTPUT_LIMIT)
  }
  proc.stdout?.on('data', keep)
  proc.stderr?.on('data', keep)
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => {
    proc.once('exit', (code, signal) => {
      everyChild.delete(proc)
      resolve(signal ?? code)
    })
    proc.once('error', (err) => {
      buffer += `\nspawn error: ${err.message}`
      everyChild.delete(proc)
      resolve(null)
    })
  })
  const alive = () => proc.exitCode === null && proc.signalCode === null && everyChild.has(proc)
  return {
    proc,
    output: () => buffer,
    exited,
    alive,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (!alive()) return
      proc.kill(signal)
      const timer = setTimeout(() => alive() && proc.kill('SIGKILL'), graceMs)
      await exited
      clearTimeout(timer)
    },
  }
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(command: string, args: string[], options: SpawnOptions = {}): Promise<string> {
  const child = startChild(command, args, options)
  const result = await child.exited
  if (result !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result}):\n${child.output()}`)
  return child.output()
}

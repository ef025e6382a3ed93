/**
 * A private server an earlier `pnpm start` left running because it was killed outright (SIGKILL
 * reaches no handler). Its pid file in the data directory names it; it is stopped before this
 * start looks at the ports, so it is never taken for a server of the machine's own.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'
import { waitUntil } from './wait.ts'

const run = promisify(execFile)

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** The command line of a running process (ps is POSIX; no /proc on macOS), or null. */
async function commandOf(pid: number): Promise<string | null> {
  try {
    return (await run('ps', ['-p', String(pid), '-o', 'args='])).stdout.trim() || null
  } catch {
    return null
  }
}

/**
 * Stops the process named on the first line of `pidFile` if it still runs `program` (a pid may
 * have been reused by something else since). Returns its pid when it stopped one.
 */
export async function stopLeftover(pidFile: string, program: string, signal: NodeJS.Signals): Promise<number | null> {
  const pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).split('\n')[0])
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return null
  if (!(await commandOf(pid))?.includes(program)) return null
  process.kill(pid, signal)
  try {
    await waitUntil(`${program} (pid ${pid}) to stop`, async () => !alive(pid), 15_000)
  } catch {
    process.kill(pid, 'SIGKILL')
  }
  return pid
}

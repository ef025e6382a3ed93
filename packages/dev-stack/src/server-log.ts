/** The log file of a private server: it gets the server's output, and a failure quotes its end. */
import { openSync, readFileSync } from 'node:fs'

/** A file descriptor to append to, for the child's stdout and stderr. */
export function openLog(path: string): number {
  return openSync(path, 'a')
}

/** The last `lines` lines of the log, indented, for an error message. */
export function tailOf(path: string, lines = 8): string {
  try {
    const text = readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines)
    return text.map((line) => `    ${line}`).join('\n')
  } catch {
    return ''
  }
}

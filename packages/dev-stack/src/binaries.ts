/** Where the Redis and PostgreSQL server programs are installed, if they are. */
import { accessSync, constants, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** The full path of `program` on PATH, or null. */
export function onPath(program: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (dir && executable(join(dir, program))) return join(dir, program)
  }
  return null
}

export interface PostgresBinaries {
  initdb: string
  postgres: string
  pgIsready: string
}

/** Debian and Ubuntu keep the server programs out of PATH, one folder per major version. */
const DEBIAN_ROOT = '/usr/lib/postgresql'

/**
 * initdb, postgres and pg_isready from one folder: PATH first (Homebrew, most distributions), then
 * the newest of Debian's `/usr/lib/postgresql/<version>/bin`.
 */
export function findPostgres(path = process.env.PATH ?? ''): PostgresBinaries | null {
  const dirs = path.split(delimiter).filter(Boolean)
  try {
    const versions = readdirSync(DEBIAN_ROOT).filter((v) => /^\d+$/.test(v))
    versions.sort((a, b) => Number(b) - Number(a))
    dirs.push(...versions.map((v) => join(DEBIAN_ROOT, v, 'bin')))
  } catch {
    // not Debian's layout
  }
  for (const dir of dirs) {
    const found = { initdb: join(dir, 'initdb'), postgres: join(dir, 'postgres'), pgIsready: join(dir, 'pg_isready') }
    if (Object.values(found).every(executable)) return found
  }
  return null
}

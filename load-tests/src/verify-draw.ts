/**
 * `pnpm verify-draw <draw.json> [--users FILE]`
 * `pnpm verify-draw --url URL --concert ID [--admin-token TOKEN] [--users FILE]`
 *
 * Checks an opening's draw (src/draw/verify.ts): from a file holding the JSON of
 * `GET /api/admin/queues/{id}/draw` (`{ seed, seedCommitment, order }`), or fetched from a gateway
 * (the admin token from --admin-token or ADMIN_TOKEN). `--users` names a file of the user ids that
 * were in the pre-queue (one per line, or a JSON array): the order must hold exactly those.
 * Exits 0 when the draw holds, 1 when it does not, 2 on bad arguments.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { type DrawToCheck, verifyDraw } from './draw/verify.ts'

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    url: { type: 'string' },
    concert: { type: 'string' },
    'admin-token': { type: 'string' },
    users: { type: 'string' },
  },
})

// pnpm runs the script in this package's folder: paths are the caller's.
const fromCaller = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path)

function usage(message: string): never {
  console.error(`${message}\nusage: pnpm verify-draw <draw.json> [--users FILE]\n       pnpm verify-draw --url URL --concert ID [--admin-token TOKEN] [--users FILE]`)
  process.exit(2)
}

async function load(): Promise<DrawToCheck> {
  if (positionals[0]) return JSON.parse(readFileSync(fromCaller(positionals[0]), 'utf8')) as DrawToCheck
  if (!values.url || !values.concert) usage('give a draw file, or --url and --concert')
  const token = values['admin-token'] ?? process.env.ADMIN_TOKEN
  if (!token) usage('--admin-token (or ADMIN_TOKEN) is needed to fetch the draw')
  const res = await fetch(`${values.url.replace(/\/+$/, '')}/api/admin/queues/${values.concert}/draw`, {
    headers: { authorization: `Bearer ${token}` },
  })
  const body = (await res.json()) as DrawToCheck & { message?: string }
  if (!res.ok) {
    console.error(`the gateway answered ${res.status}: ${body.message ?? ''}`)
    process.exit(1)
  }
  return body
}

function readUsers(path: string): string[] {
  const text = readFileSync(fromCaller(path), 'utf8').trim()
  return text.startsWith('[') ? (JSON.parse(text) as string[]) : text.split(/\r?\n/).filter((l) => l.length > 0)
}

const draw = await load()
const verdict = verifyDraw(draw, values.users ? readUsers(values.users) : undefined)
if (verdict.ok) {
  console.log(`the draw holds: the seed matches the commitment ${draw.seedCommitment}, and ${draw.order.length} users stand in HMAC order`)
} else {
  console.error(`the draw does NOT hold:\n${verdict.problems.map((p) => `  - ${p}`).join('\n')}`)
}
process.exit(verdict.ok ? 0 : 1)

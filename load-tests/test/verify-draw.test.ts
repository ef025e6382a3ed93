/**
 * The draw check: a draw made by the contract's rule holds; a seed that does not match its
 * commitment, an order out of HMAC order, a user twice, missing or extra each fail, and
 * `pnpm verify-draw` says so with its exit code.
 */
import { execFileSync } from 'node:child_process'
import { createHash, createHmac, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { verifyDraw } from '../src/draw/verify.ts'

function makeDraw(users: string[]) {
  const seed = randomBytes(32)
  const rank = (u: string) => createHmac('sha256', seed).update(u, 'utf8').digest('hex')
  return {
    seed: seed.toString('hex'),
    seedCommitment: createHash('sha256').update(seed).digest('hex'),
    order: [...users].sort((a, b) => (rank(a) < rank(b) ? -1 : 1)),
  }
}

const users = Array.from({ length: 50 }, (_, i) => `user-${i}`)

t.test('a draw made by the rule holds', async (t) => {
  t.same(verifyDraw(makeDraw(users), users), { ok: true, problems: [] })
  t.ok(verifyDraw(makeDraw(['ünïcödé-user', 'plain'])).ok, 'user ids are hashed as UTF-8')
})

t.test('each kind of tampering is found', async (t) => {
  const draw = makeDraw(users)
  const other = makeDraw(users)
  t.match(verifyDraw({ ...draw, seed: other.seed }).problems, [/does not match the commitment/, /should come after/])
  const swapped = [...draw.order]
  ;[swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!]
  t.match(verifyDraw({ ...draw, order: swapped }).problems, [/place 4\) should come after/])
  t.match(verifyDraw({ ...draw, order: [...draw.order, draw.order.at(-1)!] }).problems, [/should come after/, /appears twice/])
  t.match(verifyDraw(draw, [...users, 'late']).problems, [/1 user\(s\) missing, e.g. late/])
  t.match(verifyDraw(draw, users.slice(1)).problems, [/1 user\(s\) not in the list given, e.g. user-0/])
  t.match(verifyDraw({ ...draw, seed: 'XYZ' }).problems, [/seed: not 64 lowercase hex/])
})

t.test('pnpm verify-draw reads a file and answers with its exit code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'verify-draw-'))
  const good = join(dir, 'good.json')
  const bad = join(dir, 'bad.json')
  const list = join(dir, 'users.txt')
  const draw = makeDraw(users)
  writeFileSync(good, JSON.stringify(draw))
  writeFileSync(bad, JSON.stringify({ ...draw, order: [...draw.order].reverse() }))
  writeFileSync(list, users.join('\n'))
  const run = (...args: string[]) => {
    try {
      return { code: 0, out: execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@rushgate/source', 'src/verify-draw.ts', ...args], { encoding: 'utf8', stdio: 'pipe' }) }
    } catch (err) {
      const e = err as { status: number; stderr: string }
      return { code: e.status, out: e.stderr }
    }
  }
  t.match(run(good, '--users', list), { code: 0, out: /the draw holds: .* 50 users stand in HMAC order/ })
  t.match(run(bad), { code: 1, out: /does NOT hold/ })
  t.match(run(), { code: 2, out: /usage/ })
})

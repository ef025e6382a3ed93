/**
 * `tsx src/profile-summary.ts <file.cpuprofile> [top] [lastSeconds]`: self time by function and by
 * package, and total (inclusive) time of the project's own functions, of a V8 CPU profile (as written
 * by `node --cpu-prof`, e.g. `pnpm bench poll --profile profiles/poll`), so a missed target can be
 * explained without a browser. `lastSeconds` keeps only the end of the profile: the measurement, not
 * the start-up and the setup before it.
 */
import { readFileSync } from 'node:fs'

interface Node {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: Node[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const [file, topArg, lastArg] = process.argv.slice(2)
if (!file) {
  console.error('usage: tsx src/profile-summary.ts <file.cpuprofile> [top]')
  process.exit(2)
}
const top = Number(topArg ?? 25)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile
const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const from = lastArg ? profile.endTime - Number(lastArg) * 1e6 : Number.NEGATIVE_INFINITY
const self = new Map<number, number>()
const inclusive = new Map<string, number>()
let at = profile.startTime
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] ?? 0
  at += us
  if (at < from) return
  self.set(id, (self.get(id) ?? 0) + us)
  // Total time of the project's own frames (each counted once per sample, however deep the recursion).
  const seen = new Set<string>()
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
    const { functionName, url, lineNumber } = byId.get(n)!.callFrame
    const m = /\/((?:apps|packages)\/.*)$/.exec(url)
    if (!m || url.includes('node_modules')) continue
    const key = `${functionName || '(anonymous)'} ${m[1]}:${lineNumber + 1}`
    if (seen.has(key)) continue
    seen.add(key)
    inclusive.set(key, (inclusive.get(key) ?? 0) + us)
  }
})
const total = [...self.values()].reduce((a, b) => a + b, 0)

const fn = new Map<string, number>()
const pkg = new Map<string, number>()
for (const [id, us] of self) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame
  const where = url.replace(/^file:\/\//, '').replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
  const key = `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`
  fn.set(key, (fn.get(key) ?? 0) + us)
  const p = packageOf(url, functionName)
  pkg.set(p, (pkg.get(p) ?? 0) + us)
}

function packageOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)'
  const m = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (m) return m[1]!
  if (url.startsWith('node:')) return 'node core'
  const app = /\/(apps\/[^/]+|packages\/[^/]+)\//.exec(url)
  return app ? app[1]! : url
}

const show = (title: string, map: Map<string, number>, n: number) => {
  console.log(`\n${title}`)
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`)
  }
}
console.log(`${file}: ${(total / 1e6).toFixed(1)} s of samples`)
show('self time by package', pkg, 15)
show('self time by function', fn, top)
show("total time of the project's own functions", inclusive, top)

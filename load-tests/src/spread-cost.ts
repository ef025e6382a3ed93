/**
 * `tsx src/spread-cost.ts`: what building a small object costs on this Node, by how it is built —
 * a spread followed by more fields (`{ ...a, b }`), `Object.assign`, or the fields named. The
 * gateway names the fields on its per-request paths (join-batches.ts, active-gate.ts) because on
 * Node 20 the first costs about a microsecond and a half, the last a few dozen nanoseconds.
 */
const N = 1_000_000
const resolve = () => {}
let sink: unknown

const ways: Record<string, (p: { user: string; proof: { kind: string }; address: string }) => unknown> = {
  '{ ...p }': (p) => ({ ...p }),
  '{ ...p, resolve, reject }': (p) => ({ ...p, resolve, reject: resolve }),
  'Object.assign({}, p, { resolve, reject })': (p) => Object.assign({}, p, { resolve, reject: resolve }),
  '{ p, resolve, reject }': (p) => ({ p, resolve, reject: resolve }),
  '{ user: p.user, proof: p.proof, address: p.address, resolve, reject }': (p) => ({
    user: p.user,
    proof: p.proof,
    address: p.address,
    resolve,
    reject: resolve,
  }),
}

console.log(`Node ${process.version}, ${N.toLocaleString('en')} objects each, best of 3\n`)
console.log('| built as | ns per object |')
console.log('| --- | --- |')
for (const [name, build] of Object.entries(ways)) {
  let best = Number.POSITIVE_INFINITY
  for (let round = 0; round < 3; round++) {
    const started = process.hrtime.bigint()
    for (let i = 0; i < N; i++) sink = build({ user: `u${i}`, proof: { kind: 'none' }, address: '10.0.0.1' })
    best = Math.min(best, Number(process.hrtime.bigint() - started) / N)
  }
  console.log(`| \`${name}\` | ${best.toFixed(0)} |`)
}
if (sink === undefined) process.exit(1)

/**
 * What a join's proof of work costs: the time to solve the gateway's own challenges (altcha-lib's
 * v1 format, as GET /api/queues/{id}/challenge issues them) at several difficulties, by a Node bot
 * (node:crypto, one core) and by headless Chromium (crypto.subtle in a Web Worker, as a page would).
 * The secret number is uniform in 0..maxnumber, so a solve tries maxnumber / 2 candidates on average.
 *
 *   pnpm --filter @rushgate/load-tests pow-solve-time [--samples 20] [--difficulties 50000,100000,1000000]
 */
import { createHash } from 'node:crypto'
import { cpus, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { ProofOfWork } from '../../apps/gateway/src/queue/proof-of-work.ts'

const { values } = parseArgs({
  options: { samples: { type: 'string', default: '20' }, difficulties: { type: 'string', default: '50000,100000,1000000' } },
})
const samples = Number(values.samples)
const difficulties = values.difficulties.split(',').map(Number)
const pow = new ProofOfWork('solve-time key')

function solveNode(salt: string, challenge: string, max: number): number {
  for (let n = 0; n <= max; n++) if (createHash('sha256').update(salt + n).digest('hex') === challenge) return n
  return -1
}

// The page's way: crypto.subtle in a worker, one digest at a time.
const WORKER = `onmessage = async ({ data: { salt, challenge, max } }) => {
  const enc = new TextEncoder()
  const t0 = performance.now()
  for (let n = 0; n <= max; n++) {
    const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(salt + n)))
    let hex = ''
    for (const b of d) hex += b.toString(16).padStart(2, '0')
    if (hex === challenge) return postMessage({ n, ms: performance.now() - t0 })
  }
  postMessage({ n: -1, ms: performance.now() - t0 })
}`

interface PageWorker {
  onmessage: ((e: { data: { ms: number } }) => void) | null
  postMessage(message: unknown): void
  terminate(): void
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (ms: number) => (Number.isNaN(ms) ? 'not measured' : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`)

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
})
const page = await browser.newPage()
await page.setContent('<title>pow</title>')
const rows: string[] = []
for (const difficulty of difficulties) {
  const node: number[] = []
  const web: number[] = []
  const tried: number[] = []
  for (let i = 0; i < samples; i++) {
    const c = await pow.challenge(1, difficulty)
    const t0 = performance.now()
    const n = solveNode(c.salt, c.challenge, c.maxnumber)
    node.push(performance.now() - t0)
    tried.push(n)
    web.push(
      await page
        .evaluate(
        ([src, c]) =>
          new Promise<number>((resolve) => {
            // Runs in the page, where Worker exists; Node's types do not know it.
              const W = (globalThis as unknown as { Worker: new (url: string) => PageWorker }).Worker
              const w = new W(URL.createObjectURL(new Blob([src], { type: 'text/javascript' })))
            w.onmessage = (e: { data: { ms: number } }) => {
              w.terminate()
              resolve(e.data.ms)
            }
            w.postMessage({ salt: c.salt, challenge: c.challenge, max: c.maxnumber })
          }),
        [WORKER, c] as const,
        )
        // Headless Chromium on this machine may close the page: then the column says so.
        .catch(() => Number.NaN),
    )
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  const rateNode = sum(tried) / (sum(node) / 1000)
  const rateWeb = sum(tried) / (sum(web) / 1000)
  rows.push(
    `| ${difficulty.toLocaleString('en')} | ${fmt(median(node))} | ${fmt(Math.max(...node))} | ${fmt(median(web))} | ${fmt(Math.max(...web))} | ${Math.round(rateNode).toLocaleString('en')} | ${Math.round(rateWeb).toLocaleString('en')} |`,
  )
  console.error(rows.at(-1))
}
await browser.close()
console.log(`${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.versions.node}, ${samples} challenges each\n`)
console.log('| difficulty (maxnumber) | Node bot, median | Node bot, slowest | Chromium worker, median | Chromium worker, slowest | Node hashes/s | Chromium hashes/s |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(r)

/**
 * What a join's proof of work costs: the time to solve the gateway's own challenges (altcha-lib's
 * v1 format, as GET /api/queues/{id}/challenge issues them) at several difficulties, by a Node bot
 * (node:crypto, one core) and by headless Chromium running the page's own worker (apps/web/dist/
 * pow-worker.js, synchronous SHA-256 in a Web Worker), loaded from a local origin as the page loads it.
 * The secret number is uniform in 0..maxnumber, so a solve tries maxnumber / 2 candidates on average.
 *
 *   pnpm --filter @rushgate/load-tests pow-solve-time [--samples 20] [--difficulties 50000,100000,1000000]
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
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

/** A page's worker, as Node's types do not know it. */
interface PageWorker {
  onmessage: ((e: { data: { number?: number | null } }) => void) | null
  postMessage(message: unknown): void
  terminate(): void
}

// The page's own built worker (apps/web/dist/pow-worker.js), served from a local origin, as the page loads it.
const dist = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'apps', 'web', 'dist')
const workerJs = await readFile(join(dist, 'pow-worker.js')).catch(() => {
  throw new Error('apps/web/dist/pow-worker.js is missing: run `pnpm --filter @rushgate/web build` first')
})
const server = createServer((req, res) => {
  if (req.url === '/pow-worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(workerJs)
  else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>pow</title>')
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`)

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
})
const page = await browser.newPage()
await page.goto(origin)
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
      await page.evaluate(
        (task) =>
          new Promise<number>((resolve, reject) => {
            const W = (globalThis as unknown as { Worker: new (url: string) => PageWorker }).Worker
            const worker = new W('/pow-worker.js')
            const t0 = performance.now()
            worker.onmessage = (e) => {
              if (e.data.number === undefined) return // a progress report
              worker.terminate()
              if (e.data.number === null) reject(new Error('no answer'))
              else resolve(performance.now() - t0)
            }
            worker.postMessage(task)
          }),
        { challenge: c.challenge, salt: c.salt, maxnumber: c.maxnumber },
      ),
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
server.close()
console.log(`${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.versions.node}, ${samples} challenges each\n`)
console.log('| difficulty (maxnumber) | Node bot, median | Node bot, slowest | Chromium worker, median | Chromium worker, slowest | Node hashes/s | Chromium hashes/s |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) console.log(r)

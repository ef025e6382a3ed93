/**
 * Builds the page into dist/ (index.html, app.js, pow-worker.js, styles.css), which the gateway serves at `/`,
 * and the operators' dashboard (admin.html, admin.js with uPlot bundled, admin.css), served at `/admin`.
 * Quick and dependency-light on purpose: the root `pnpm start` runs it before every start.
 */
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BuildOptions, build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, 'src')
const dist = join(here, 'dist')

await rm(dist, { recursive: true, force: true })
await mkdir(dist, { recursive: true })
const common: BuildOptions = {
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
  // The contract's TypeScript itself (its package's source export), so the page needs no `tsc` build first.
  conditions: ['@rushgate/source'],
}
await build({ ...common, entryPoints: [join(src, 'main.ts')], outfile: join(dist, 'app.js') })
await build({ ...common, entryPoints: [join(src, 'admin', 'main.ts')], outfile: join(dist, 'admin.js') })
// The proof-of-work solver runs as a classic Web Worker script of its own.
await build({ ...common, format: 'iife', entryPoints: [join(src, 'pow-worker.ts')], outfile: join(dist, 'pow-worker.js') })
// uPlot's stylesheet first, then the dashboard's own: one file, from this origin (the CSP allows no other).
const uplotCss = await readFile(join(here, 'node_modules', 'uplot', 'dist', 'uPlot.min.css'), 'utf8')
await writeFile(join(dist, 'admin.css'), `${uplotCss}\n${await readFile(join(src, 'admin', 'dashboard.css'), 'utf8')}`)
await copyFile(join(src, 'admin', 'admin.html'), join(dist, 'admin.html'))
await copyFile(join(src, 'index.html'), join(dist, 'index.html'))
await copyFile(join(src, 'styles.css'), join(dist, 'styles.css'))
console.log(`web: built ${dist}`)

/**
 * Builds the page into dist/ (index.html, app.js, styles.css), which the gateway serves at `/`.
 * Quick and dependency-light on purpose: the root `pnpm start` runs it before every start.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const here = dirname(fileURLToPath(import.meta.url))
const src = join(here, 'src')
const dist = join(here, 'dist')

await rm(dist, { recursive: true, force: true })
await mkdir(dist, { recursive: true })
await build({
  entryPoints: [join(src, 'main.ts')],
  outfile: join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  target: ['es2022', 'chrome109', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
})
await copyFile(join(src, 'index.html'), join(dist, 'index.html'))
await copyFile(join(src, 'styles.css'), join(dist, 'styles.css'))
console.log(`web: built ${dist}`)

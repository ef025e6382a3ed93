/**
 * `node ../../tools/copy-assets.mjs` in a package, after `tsc -b`: copies what the compiler does not
 * emit (Lua scripts and any other file that is not TypeScript) from src/ into dist/, at the same
 * relative path, so code that reads them next to itself (`new URL('./scripts/', import.meta.url)`)
 * finds them in the built tree as in the sources.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

const src = join(process.cwd(), 'src')
const dist = join(process.cwd(), 'dist')
let copied = 0
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith('.ts')) continue
  const from = join(entry.parentPath, entry.name)
  const to = join(dist, relative(src, from))
  mkdirSync(dirname(to), { recursive: true })
  copyFileSync(from, to)
  copied++
}
console.log(`copied ${copied} non-TypeScript files from src/ into dist/`)

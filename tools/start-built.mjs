/**
 * `node ../../tools/start-built.mjs dist/server.js`: runs a package's compiled entry in this same
 * process (node stays the main process and gets the signals), or, when the tree was not built,
 * says so in one line and exits 1 instead of printing a module-not-found stack trace.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const entry = process.argv[2]
if (!entry) {
  console.error('usage: node tools/start-built.mjs <compiled entry, e.g. dist/server.js>')
  process.exit(2)
}
const file = resolve(entry)
if (!existsSync(file)) {
  const { name } = JSON.parse(readFileSync('package.json', 'utf8'))
  console.error(`${name} is not built (${entry} is missing): run pnpm build`)
  process.exit(1)
}
process.argv.splice(1, 2, file)
await import(pathToFileURL(file).href)

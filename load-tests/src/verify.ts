/**
 * `pnpm rush:verify [--run results/.runs/rush-<id>.json]`
 *
 * Re-checks the invariants of a rush (the latest by default) through the API and the database. The
 * stack of that run must still be up, so this is for rushes run with --url; a rush that started its
 * own stack already checked itself before stopping it. Exits non-zero on any violation.
 */
import { parseArgs } from 'node:util'
import { checksTable } from './rush/markdown.ts'
import { loadRecord } from './rush/record.ts'
import { verifyRun } from './verify/checks.ts'

const { values } = parseArgs({ options: { run: { type: 'string' } } })
const log = (line: string) => process.stderr.write(`[verify] ${line}\n`)
const record = loadRecord(values.run)
if (!record.stack.stillRunning) {
  console.error(
    `rush ${record.runId} started its own stack, which is gone; its check ran when it ended. ` +
      'Run `pnpm rush --url …` against a running stack to verify it again later.',
  )
  process.exit(2)
}
const checks = await verifyRun(record, log)
console.log(checksTable(checks))
const violations = checks.reduce((n, c) => n + c.violations.length, 0)
console.log(violations === 0 ? `\nrush ${record.runId}: all invariants hold` : `\nrush ${record.runId}: ${violations} violation(s)`)
process.exit(violations === 0 ? 0 : 1)

/**
 * The OpenAPI document is one generators and validators can use: `@redocly/cli lint` with its
 * recommended rules finds no error in it (operationIds, servers, security, every answered status,
 * defaults not required). The document is the one the app serves at /docs/json.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { servedDocument } from './openapi-document.ts'

const run = promisify(execFile)
const REDOCLY = new URL('../node_modules/.bin/redocly', import.meta.url).pathname

t.test('redocly lint (recommended rules) finds no error in the served document', async (t) => {
  const document = await servedDocument(t)
  const dir = await mkdtemp(join(tmpdir(), 'rushgate-openapi-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'openapi.json')
  await writeFile(file, JSON.stringify(document))
  const result = await run(REDOCLY, ['lint', '--extends=recommended', '--format=json', file], {
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    maxBuffer: 16 * 1024 * 1024,
  }).catch((err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? '', code: err.code }))
  const report = JSON.parse(result.stdout) as { problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[] }
  const errors = report.problems.filter((p) => p.severity === 'error').map((p) => `${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)
  t.same(errors, [], 'no errors')
  const warnings = report.problems.filter((p) => p.severity === 'warn')
  for (const p of warnings) t.comment(`warning: ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)
})

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

t.test('what generators rely on beyond the linter: a method name on every operation, 413/415 where a body goes, defaults not required', async (t) => {
  const document = await servedDocument(t)
  const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item as Record<string, OperationObject>)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
      .map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, method, operation })),
  )
  t.ok(operations.length > 20, `${operations.length} operations`)
  const unnamed = operations.filter(({ operation }) => !operation.operationId).map(({ route }) => route)
  t.same(unnamed, [], 'every operation has an operationId (src/plugins/operation-ids.ts)')
  const ids = operations.map(({ operation }) => operation.operationId)
  t.equal(new Set(ids).size, ids.length, 'no two share one')
  t.same(
    ids.filter((id) => !/^[a-z][a-zA-Z]+$/.test(id ?? '')),
    [],
    'each reads as a method name (camelCase)',
  )
  const noSecurity = operations.filter(({ operation }) => !Array.isArray(operation.security)).map(({ route }) => route)
  t.same(noSecurity, [], 'every operation says its security, `[]` when public')
  const bodyWithout = operations
    .filter(({ method, operation }) => ['post', 'put', 'patch'].includes(method) && !(operation.responses?.['413'] && operation.responses?.['415']))
    .map(({ route }) => route)
  t.same(bodyWithout, [], 'every route that takes a body lists 413 and 415')
  const requiredWithDefault = operations.flatMap(({ route, operation }) =>
    (operation.parameters ?? []).filter((p) => p.required && p.schema?.default !== undefined).map((p) => `${route}: ${p.name}`),
  )
  t.same(requiredWithDefault, [], 'no parameter with a default is required')
})

interface OperationObject {
  operationId?: string
  security?: unknown[]
  responses?: Record<string, unknown>
  parameters?: { name: string; required?: boolean; schema?: { default?: unknown } }[]
}

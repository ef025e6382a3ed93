import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, DEV_INTERNAL_TOKEN, loadConfig } from '../src/config.ts'
import { MIGRATIONS_FOLDER, runMigrations } from '../src/db/migrate.ts'
import { assertInvariants, createConcert, dropScratchDatabase, query, runToExit, startCore } from '@rushgate/testkit'
import { coreEntry } from '../entry-points.ts'
import { seedDemo } from '../src/seed/demo.ts'

t.test('configuration: defaults, and a bad value names the variable', async (t) => {
  const config = loadConfig({})
  t.match(config, { port: 3001, host: '127.0.0.1', holdTtlSeconds: 300, maxHoldsPerUser: 4, internalToken: DEV_INTERNAL_TOKEN, seedDemo: false })
  t.equal(loadConfig({ SEED_DEMO: '1' }).seedDemo, true)
  t.equal(loadConfig({ HOLD_TTL_SECONDS: '5' }).holdTtlSeconds, 5)
  for (const [name, value] of [
    ['CORE_PORT', 'abc'],
    ['HOLD_TTL_SECONDS', '0'],
    ['MAX_HOLDS_PER_USER', 'many'],
    ['DATABASE_URL', 'mysql://x'],
    ['LOG_LEVEL', 'loud'],
  ]) {
    t.throws(() => loadConfig({ [name!]: value }), { name: 'ConfigError', message: new RegExp(name!) }, `${name}=${value}`)
  }
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), new ConfigError('invalid configuration: INTERNAL_TOKEN is required when NODE_ENV=production'))
  t.equal(loadConfig({ NODE_ENV: 'production', INTERNAL_TOKEN: 'a-long-production-secret' }).internalToken, 'a-long-production-secret')
  t.throws(() => loadConfig({ INTERNAL_TOKEN: 'fifteen-chars-x' }), { name: 'ConfigError', message: /INTERNAL_TOKEN/ }, 'INTERNAL_TOKEN is 16+ characters')
  for (const host of ['0.0.0.0', '::', '192.168.0.10', 'core.internal']) {
    t.throws(() => loadConfig({ HOST: host }), { name: 'ConfigError', message: /INTERNAL_TOKEN is required when listening beyond loopback/ }, `HOST=${host} needs INTERNAL_TOKEN`)
  }
  for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1']) {
    t.equal(loadConfig({ HOST: host }).internalToken, DEV_INTERNAL_TOKEN, `HOST=${host}: the development credential is fine on loopback`)
  }
  t.equal(loadConfig({ HOST: '0.0.0.0', INTERNAL_TOKEN: 'a-long-production-secret' }).host, '0.0.0.0')
})

t.test('when the core would listen beyond loopback on the public development credential, then the process exits naming INTERNAL_TOKEN', async (t) => {
  const { code, output } = await runToExit(coreEntry.serverFile, { HOST: '0.0.0.0', CORE_PORT: '0', LOG_LEVEL: 'silent' })
  t.equal(code, 1)
  t.match(output, /INTERNAL_TOKEN is required when listening beyond loopback \(HOST=0\.0\.0\.0\)/)
})

t.test('migrations: replicas starting at once apply them once, under the advisory lock', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  // The database exists and is migrated; three more "replicas" race to migrate it again.
  await Promise.all([runMigrations(core.databaseUrl), runMigrations(core.databaseUrl), runMigrations(core.databaseUrl)])
  const applied = await query(core.databaseUrl, 'select count(*)::int as n from drizzle.__drizzle_migrations')
  const journal = JSON.parse(readFileSync(join(MIGRATIONS_FOLDER, 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] }
  t.equal(applied[0].n, journal.entries.length, 'each migration applied once')
})

t.test('migrations on a database that does not exist yet: created, then migrated, by several at once', async (t) => {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/rushgate')
  url.pathname = `/rg_test_fresh_${Date.now().toString(36)}`
  t.teardown(() => dropScratchDatabase(url.toString()))
  await Promise.all([runMigrations(url.toString()), runMigrations(url.toString())])
  const tables = await query(url.toString(), `select count(*)::int as n from pg_tables where schemaname = 'public'`)
  t.equal(tables[0].n, 14)
})

t.test('demo seed: 3 concerts × 4 dates × 50 seats and a stadium plan on 2 dates, idempotent', async (t) => {
  const core = await startCore(coreEntry)
  t.teardown(() => core.close())
  await createConcert(core, { title: 'Something else' })
  t.equal((await seedDemo(core.app.database.db)).length, 4)
  t.same(await seedDemo(core.app.database.db), [], 'second run creates nothing')
  const counts = await query(
    core.databaseUrl,
    `select (select count(*) from concerts)::int as concerts, (select count(*) from schedules)::int as schedules,
            (select count(*) from seats)::int as seats`,
  )
  t.same(counts[0], { concerts: 5, schedules: 15, seats: 610 + 2 * 2700 })
  await assertInvariants(core.databaseUrl)
})

/** `pnpm seed`: migrate the database, then create the demo concerts that are missing. */
import { loadConfig } from '../config.ts'
import { createDatabase } from '../db/client.ts'
import { runMigrations } from '../db/migrate.ts'
import { seedDemo } from '../seed/demo.ts'

const config = loadConfig()
await runMigrations(config.databaseUrl, (msg) => console.log(msg))
const { pool, bulkPool, linePool, bulk } = createDatabase(config.databaseUrl, 2)
try {
  const created = await seedDemo(bulk)
  console.log(created.length ? `created: ${created.join(', ')}` : 'demo concerts already exist; nothing to do')
} finally {
  await Promise.all([pool.end(), bulkPool.end(), linePool.end()])
}

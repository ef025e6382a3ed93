/**
 * The OpenAPI document the gateway serves at /docs/json, from the real app (ready, not listening;
 * no admission worker, no core), for the tests that hand it to outside tools.
 */
import { clusterNodes, deletePrefix, randomPrefix, testRedis } from '@rushgate/testkit'
import type { OpenAPI3 } from 'openapi-typescript'
import type { Test } from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

export async function servedDocument(t: Test, env: Record<string, string> = {}): Promise<OpenAPI3> {
  const prefix = randomPrefix()
  const app = await buildApp(
    loadConfig({ LOG_LEVEL: 'silent', REDIS_KEY_PREFIX: prefix, REDIS_CLUSTER_NODES: clusterNodes(), CORE_URL: 'http://127.0.0.1:9', ...env }),
    { admission: false },
  )
  t.teardown(async () => {
    await app.close()
    const redis = testRedis()
    await deletePrefix(redis, prefix).catch(() => {})
    redis.disconnect()
  })
  await app.ready()
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200, 'the document is served')
  return res.json()
}

/**
 * The real app (ready, not listening; no admission worker, no core) for the tests that read what it
 * serves, and the OpenAPI document it serves at /docs/json, for the tests that hand it to outside
 * tools.
 */
import { clusterNodes, deletePrefix, randomPrefix, testRedis } from '@rushgate/testkit'
import type { OpenAPI3 } from 'openapi-typescript'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'

export async function documentedApp(t: Test, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const prefix = randomPrefix()
  const app = await buildApp(
    loadConfig({
      LOG_LEVEL: 'silent',
      REDIS_KEY_PREFIX: prefix,
      // The local Redis, or the cluster the gateway suite runs on (see tests/cluster).
      REDIS_CLUSTER_NODES: clusterNodes(),
      // No core: the app asks it for its concerts at start and only logs that it failed.
      CORE_URL: 'http://127.0.0.1:9',
      ...env,
    }),
    { admission: false },
  )
  t.teardown(async () => {
    await app.close()
    // None are expected (no worker, no core), but a half-made key must not outlive the test.
    const redis = testRedis()
    await deletePrefix(redis, prefix).catch(() => {})
    redis.disconnect()
  })
  await app.ready()
  return app
}

export async function servedDocument(t: Test, env: Record<string, string> = {}): Promise<OpenAPI3> {
  const app = await documentedApp(t, env)
  const res = await app.inject({ method: 'GET', url: '/docs/json' })
  t.equal(res.statusCode, 200, 'the document is served')
  return res.json()
}

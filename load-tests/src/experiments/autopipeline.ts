/**
 * Experiment, preloaded into the gateway with `pnpm bench --experiment autopipeline` (the gateway's
 * code is not changed): turns on ioredis auto-pipelining for every client the gateway makes, so the
 * commands of concurrent requests leave in one socket write. It measures what that option would give
 * the gateway before anyone changes its Redis client. https://github.com/redis/ioredis#autopipelining
 * Since the fourth session the gateway batches its HTTP-path writes itself (`coalesceWrites` in
 * apps/gateway/src/redis/client.ts, at half the client CPU); this experiment now puts ioredis's
 * auto-pipelining on top of that, and on the BullMQ connection too.
 */
import { createRequire } from 'node:module'

const require = createRequire(new URL('../../../apps/gateway/package.json', import.meta.url))
const { Redis } = require('ioredis') as { Redis: { defaultOptions: Record<string, unknown> } }
Redis.defaultOptions = { ...Redis.defaultOptions, enableAutoPipelining: true }

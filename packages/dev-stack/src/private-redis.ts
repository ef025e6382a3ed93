/**
 * A private redis-server for `pnpm start`, on the address the gateway will use: its append-only
 * file in `<data>/redis` (so the line and the active users survive a restart of `pnpm start`),
 * its output in `<data>/redis.log`.
 */
import { closeSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import type { Address } from './addresses.ts'
import { startChild, type Supervised, untilReady } from './children.ts'
import { stopLeftover } from './leftovers.ts'
import { openLog, tailOf } from './server-log.ts'

export const redisDir = (dataDir: string) => join(dataDir, 'redis')
export const redisPidFile = (dataDir: string) => join(redisDir(dataDir), 'redis.pid')

/** True when Redis answers PING with PONG (not -LOADING while it reads its file). */
function pong(address: Address): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(address.port, address.host)
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('error', () => done(false))
    socket.once('data', (reply) => done(reply.toString().startsWith('+PONG')))
    socket.write('*1\r\n$4\r\nPING\r\n')
  })
}

/** Stops a private redis-server an earlier, killed `pnpm start` left behind; its pid, or null. */
export const stopLeftoverRedis = (dataDir: string) => stopLeftover(redisPidFile(dataDir), 'redis-server', 'SIGTERM')

export async function startPrivateRedis(binary: string, address: Address, dataDir: string): Promise<Supervised> {
  await mkdir(redisDir(dataDir), { recursive: true })
  const logFile = join(dataDir, 'redis.log')
  const log = openLog(logFile)
  const child = startChild(
    'redis',
    binary,
    [
      ...['--port', String(address.port), '--bind', address.host],
      ...['--dir', redisDir(dataDir), '--pidfile', redisPidFile(dataDir)],
      ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no'],
    ],
    { output: log },
  )
  closeSync(log)
  try {
    await untilReady(child, 'redis-server', () => pong(address), 15_000)
  } catch (err) {
    await child.stop('SIGKILL', 0)
    throw new Error(`${(err as Error).message}; the end of ${logFile}:\n${tailOf(logFile)}`)
  }
  return { child, stop: () => child.stop('SIGTERM', 10_000) }
}

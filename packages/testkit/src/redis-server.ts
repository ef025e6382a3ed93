/**
 * A private `redis-server` on a free loopback port, which a test may kill and start again on the
 * same port. Without persistence it starts empty every time; with it, the append-only file is
 * fsynced on every write so a kill -9 loses nothing.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Child, startChild } from './child-process.ts'
import { freePort, waitFor } from './ports.ts'

export interface RedisOptions {
  /** appendonly yes, appendfsync always (as docker-compose.yml runs it). */
  persistent?: boolean
  /** Starts as a replica of the Redis on this loopback port. */
  replicaOf?: number
}

export interface PrivateRedis {
  port: number
  url: string
  dir: string
  /** Starts the server again on the same port (and the same data directory). */
  start(): Promise<void>
  /** SIGTERM: Redis shuts down cleanly. */
  stop(): Promise<void>
  /** SIGKILL: the process vanishes mid-write. */
  kill(): Promise<void>
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Sends one command over a raw socket (no client library, no reconnect logic) and returns the reply text. */
  command(...args: string[]): Promise<string>
  /** Stops the server and removes its directory. */
  close(): Promise<void>
}

/** Sends one RESP command and resolves with the raw reply once some bytes arrived. */
export async function rawCommand(port: number, args: string[], timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ port, host: '127.0.0.1' })
    let reply = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`redis on ${port} did not answer ${args[0]}`))
    }, timeoutMs)
    socket.once('error', (err) => {
      clearTimeout(timer)
      reject(err)
    })
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8')
      // One reply is enough for the commands the harness sends; bulk replies end with CRLF too.
      if (reply.endsWith('\r\n') && isComplete(reply)) {
        clearTimeout(timer)
        socket.end()
        resolve(reply)
      }
    })
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`)
  })
}

function isComplete(reply: string): boolean {
  if (reply[0] !== '$') return true
  const header = reply.indexOf('\r\n')
  const length = Number(reply.slice(1, header))
  return length < 0 || Buffer.byteLength(reply) >= header + 2 + length + 2
}

export async function startRedis(options: RedisOptions = {}): Promise<PrivateRedis> {
  const port = await freePort()
  const dir = await mkdtemp(join(tmpdir(), 'rushgate-redis-'))
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--protected-mode', 'no']
  if (options.persistent) args.push('--appendonly', 'yes', '--appendfsync', 'always')
  else args.push('--appendonly', 'no')
  if (options.replicaOf) args.push('--replicaof', '127.0.0.1', String(options.replicaOf))
  let child: Child | null = null

  const ping = async () => (await rawCommand(port, ['PING'], 300)).startsWith('+PONG')
  const start = async () => {
    child = startChild('redis-server', args)
    try {
      // Loading a big AOF answers -LOADING first; wait for a real PONG.
      await waitFor(`redis-server on ${port}`, ping, 10_000, 25)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${child.output()}`)
    }
  }
  const halt = async (signal: NodeJS.Signals) => {
    await child?.stop(signal)
    child = null
  }
  await start()
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    start,
    stop: () => halt('SIGTERM'),
    kill: () => halt('SIGKILL'),
    async restart(signal = 'SIGTERM') {
      await halt(signal)
      await start()
    },
    command: (...command) => rawCommand(port, command),
    async close() {
      await halt('SIGKILL')
      await rm(dir, { recursive: true, force: true })
    },
  }
}

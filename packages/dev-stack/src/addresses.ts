/** Where the services will look for Redis and Postgres, and whether anything answers there. */
import { Socket } from 'node:net'

export interface Address {
  host: string
  port: number
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'
/** The core's own default (apps/core/src/config.ts). */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/rushgate'

/** host and port of a redis:// or postgres:// URL, with the protocol's default port. */
export function addressOf(url: string, defaultPort: number): Address {
  const parsed = new URL(url)
  // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port || defaultPort) }
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

export function describe(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}

/** True when something accepts a TCP connection there within `timeoutMs`. */
export function answers(address: Address, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMs, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.connect(address.port, address.host)
  })
}

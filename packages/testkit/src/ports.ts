/** Free loopback ports and waiting for a condition, so every test file runs its own servers beside the others. */
import { createServer, Socket } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

/** A port the OS just handed out and released; racy in theory, fine for loopback test servers. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** True when something accepts TCP connections on the port. */
export async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once('connect', () => done(true))
    socket.once('error', () => done(false))
    socket.connect(port, '127.0.0.1')
  })
}

/**
 * Polls `check` until it returns true or `timeoutMs` passes. A check that throws counts as "not yet":
 * what is polled is often a service that is down on purpose. The last error is in the timeout message.
 */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      if (await check()) return
    } catch (err) {
      lastError = err
    }
    if (Date.now() > deadline) {
      const cause = lastError ? ` (last error: ${(lastError as Error).message ?? lastError})` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`)
    }
    await sleep(everyMs)
  }
}

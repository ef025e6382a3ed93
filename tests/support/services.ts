/**
 * The real services as processes (`node --import tsx apps/<app>/src/server.ts`), on free ports with
 * the contract's environment, so a test can SIGKILL or SIGTERM them. `node --import tsx` keeps it to
 * one process: the `tsx` CLI would put a second one in front, and a SIGKILL would orphan the server.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Child, startChild } from './child.ts'
import { freePort, isListening, waitFor } from './ports.ts'

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const TSX_LOADER = import.meta.resolve('tsx')

export type AppName = 'core' | 'gateway'

export interface ServiceProcess {
  app: AppName
  port: number
  url: string
  child: Child
  env: Record<string, string>
  /** SIGKILL: no goodbye, sockets reset. */
  kill(): Promise<void>
  /** SIGTERM: the graceful shutdown path. Resolves once the process exited. */
  terminate(): Promise<void>
  /** Stops the service (SIGKILL unless told) and starts it again on the same port. */
  restart(signal?: NodeJS.Signals): Promise<void>
}

export interface SpawnOptions {
  /** Wait for `/health/ready` (default) or only `/health/live` (when a dependency is meant to be down). */
  waitFor?: 'ready' | 'live' | 'none'
  timeoutMs?: number
}

async function healthy(url: string, path: string): Promise<boolean> {
  const res = await fetch(url + path, { signal: AbortSignal.timeout(1000) })
  await res.body?.cancel()
  return res.status === 200
}

export async function spawnService(app: AppName, env: Record<string, string>, options: SpawnOptions = {}): Promise<ServiceProcess> {
  const port = await freePort()
  const portVar = app === 'core' ? 'CORE_PORT' : 'GATEWAY_PORT'
  const fullEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    HOST: '127.0.0.1',
    ...env,
    [portVar]: String(port),
  }
  const url = `http://127.0.0.1:${port}`
  const cwd = join(REPO_ROOT, 'apps', app)
  let child: Child

  const start = async () => {
    child = startChild(process.execPath, ['--import', TSX_LOADER, 'src/server.ts'], { cwd, env: fullEnv })
    const wanted = options.waitFor ?? 'ready'
    if (wanted === 'none') return
    try {
      await waitFor(`${app} on ${port} to be ${wanted}`, async () => {
        if (!child.alive()) throw new Error('exited')
        return healthy(url, `/health/${wanted}`)
      }, options.timeoutMs ?? 30_000, 100)
    } catch (err) {
      await child.stop('SIGKILL')
      throw new Error(`${app} did not start: ${(err as Error).message}\n--- output ---\n${child.output()}`)
    }
  }
  await start()
  const service: ServiceProcess = {
    app,
    port,
    url,
    get child() {
      return child
    },
    env: fullEnv,
    kill: () => child.stop('SIGKILL'),
    terminate: () => child.stop('SIGTERM', 20_000),
    async restart(signal: NodeJS.Signals = 'SIGKILL') {
      await child.stop(signal, 20_000)
      await waitFor(`port ${port} to be free`, async () => !(await isListening(port)), 5000)
      await start()
    },
  }
  return service
}

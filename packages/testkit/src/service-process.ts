/**
 * A service as a real process (`node --import tsx --conditions=@rushgate/source <server file>`: its
 * TypeScript and that of the workspace packages it imports, no build needed) on a free port, so a test can SIGKILL
 * or SIGTERM it and a benchmark can measure it apart. `node --import tsx` keeps it to one process: the
 * `tsx` CLI would put a second one in front, a SIGKILL would orphan the server, and node flags such as
 * --cpu-prof would not reach it.
 */
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { type Child, startChild } from './child-process.ts'
import { freePort, isListening, waitFor } from './ports.ts'

const TSX_LOADER = import.meta.resolve('tsx')
/** Node flags that run a service from its sources: tsx's loader, and the workspace packages' `@rushgate/source` export condition. */
const FROM_SOURCE = ['--import', TSX_LOADER, '--conditions=@rushgate/source']
/**
 * How long a service may take to answer ready: compiling its sources on the fly takes a few seconds
 * on a quiet machine, and several times that on two CPUs running two test lanes.
 */
const START_TIMEOUT_MS = 60_000

export interface ServiceProcess {
  /** The service's name (core, gateway, …), for messages. */
  app: string
  port: number
  url: string
  child: Child
  env: Record<string, string>
  /** SIGKILL: no goodbye, sockets reset. */
  kill(): Promise<void>
  /** SIGTERM: the graceful shutdown path. Resolves once the process exited. */
  terminate(): Promise<void>
  /** SIGTERM (SIGKILL after 10 s); resolves with the exit code, or the signal that ended it. */
  close(): Promise<number | NodeJS.Signals | null>
  /** Stops the service (SIGKILL unless told) and starts it again on the same port. */
  restart(signal?: NodeJS.Signals): Promise<void>
}

export interface ServiceOptions {
  /** Wait for `/health/ready` (default), only `/health/live` (a dependency is meant to be down), or not at all. */
  waitFor?: 'ready' | 'live' | 'none'
  /** Or wait for a 200 from this path instead. */
  readyPath?: string
  timeoutMs?: number
  /** NODE_ENV of the service (default `test`). */
  nodeEnv?: string
  /** Write a `--cpu-prof` profile into `<profileDir>/<name>/`. */
  profileDir?: string
  /** CPUs the service may run on (a `taskset -c` list), to keep it off a load generator's. */
  cpus?: string
}

async function answers200(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(1000) })
  await res.body?.cancel()
  return res.status === 200
}

/** Starts `serverFile` with `env` (and this process's), its port in `portVariable`, and waits until it is ready. */
export async function spawnService(
  name: string,
  serverFile: string,
  portVariable: string,
  env: Record<string, string>,
  options: ServiceOptions = {},
): Promise<ServiceProcess> {
  const port = await freePort()
  const fullEnv: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: options.nodeEnv ?? 'test',
    HOST: '127.0.0.1',
    ...env,
    [portVariable]: String(port),
  }
  const url = `http://127.0.0.1:${port}`
  const flags = [...FROM_SOURCE]
  if (options.profileDir) {
    // One directory per service with default file names: the loader's worker thread writes a profile too.
    const dir = resolve(options.profileDir, name)
    mkdirSync(dir, { recursive: true })
    flags.push('--cpu-prof', `--cpu-prof-dir=${dir}`)
  }
  const node = [process.execPath, ...flags, serverFile]
  const [command, ...args] = options.cpus ? ['taskset', '-c', options.cpus, ...node] : node
  const readyPath = options.readyPath ?? (options.waitFor === 'live' ? '/health/live' : '/health/ready')
  let child: Child

  const start = async () => {
    // The package directory (the one above src/), where the service finds its own dependencies and files.
    child = startChild(command!, args, { cwd: dirname(dirname(serverFile)), env: fullEnv })
    if (options.waitFor === 'none') return
    const exited = child.exited.then((code) => {
      throw new Error(`exited (${code})`)
    })
    try {
      await Promise.race([waitFor(`${name} on ${port} to answer ${readyPath}`, () => answers200(url + readyPath), options.timeoutMs ?? START_TIMEOUT_MS, 100), exited])
    } catch (err) {
      await child.stop('SIGKILL')
      throw new Error(`${name} did not start: ${(err as Error).message}\n--- output ---\n${child.output()}`)
    } finally {
      exited.catch(() => {})
    }
  }
  await start()
  return {
    app: name,
    port,
    url,
    get child() {
      return child
    },
    env: fullEnv,
    kill: () => child.stop('SIGKILL'),
    terminate: () => child.stop('SIGTERM', 20_000),
    async close() {
      await child.stop('SIGTERM', 10_000)
      return child.exited
    },
    async restart(signal: NodeJS.Signals = 'SIGKILL') {
      await child.stop(signal, 20_000)
      await waitFor(`port ${port} to be free`, async () => !(await isListening(port)), 5000)
      await start()
    },
  }
}

/**
 * Runs a service's server file with only `env` (and PATH) and waits for it to end: for starts that
 * must be refused. A process still running after `timeoutMs` did start — a failed test, so it is
 * killed rather than left listening.
 */
export async function runToExit(
  serverFile: string,
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<{ code: number | NodeJS.Signals | null; output: string }> {
  const child = startChild(process.execPath, [...FROM_SOURCE, serverFile], {
    cwd: dirname(dirname(serverFile)),
    env: { PATH: process.env.PATH ?? '', ...env },
  })
  const timer = setTimeout(() => child.stop('SIGKILL'), timeoutMs)
  const code = await child.exited
  clearTimeout(timer)
  return { code, output: child.output() }
}

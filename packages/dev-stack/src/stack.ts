/**
 * The stack `pnpm start` runs, in order: the page build; Redis and Postgres, where a private
 * server is started for each address on this machine at which nothing answers; the core (with
 * the demo concerts) and the gateway. `stop()` stops what started, in reverse order, whenever it
 * is called (during the start too); `failed` resolves when a part exits on its own.
 */
import { userInfo } from 'node:os'
import { relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Address, addressOf, answers, DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, describe, isLoopback } from './addresses.ts'
import { findPostgres, onPath } from './binaries.ts'
import { describeExit, runToEnd, startChild, type Supervised } from './children.ts'
import { type OsUser, postgresDir, postgresOsUser, startPrivatePostgres, stopLeftoverPostgres } from './private-postgres.ts'
import { redisDir, startPrivateRedis, stopLeftoverRedis } from './private-redis.ts'
import { waitUntil } from './wait.ts'

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/**
 * Built (`pnpm start` runs dist/start.js after `pnpm build`), the stack runs the services' compiled
 * JavaScript with node alone, as production does; run from its sources (its tests), it runs theirs
 * through tsx, the workspace packages resolved to their sources, so the tests need no build.
 */
const FROM_SOURCE = import.meta.url.endsWith('.ts')
const EXIT_WITH_PARENT = new URL(`./exit-with-parent.${FROM_SOURCE ? 'ts' : 'js'}`, import.meta.url).href
const SERVICE_ARGS = FROM_SOURCE
  ? ['--import', 'tsx', '--conditions=@rushgate/source', '--import', EXIT_WITH_PARENT, 'src/server.ts']
  : ['--import', EXIT_WITH_PARENT, 'dist/server.js']
const app = (name: string) => fileURLToPath(new URL(`../../../apps/${name}/`, import.meta.url))

const OR_COMPOSE = 'or run the whole stack with `docker compose up` (see the README)'
const INSTALL = {
  redis: 'install Redis 7 (Debian/Ubuntu: apt install redis-server; macOS: brew install redis)',
  postgres: 'install PostgreSQL 15 (Debian/Ubuntu: apt install postgresql; macOS: brew install postgresql@15)',
}

export interface StackOptions {
  /** The environment the services get, and where REDIS_URL and DATABASE_URL are read. */
  env: NodeJS.ProcessEnv
  /** Where the private servers keep their data and logs (`.rushgate/` at the repository root). */
  dataDir: string
  buildPage: boolean
  say: (line: string) => void
}

/** What keeps the stack from starting before anything ran: one line each, naming the fix. */
export class StackError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'))
  }
}

/** How one dependency will be had: it answers already, or a private server is started for it. */
type Plan = { note: string } | { problem: string } | { server: PrivateServer; start: () => Promise<Supervised>; started: string }
type PrivateServer = 'redis-server' | 'postgres'

export class DevStack {
  private readonly parts: { name: PrivateServer | 'core' | 'gateway'; part: Supervised }[] = []
  private stopping: Promise<void> | null = null
  private fail: (why: string) => void = () => {}
  /** Resolves with what happened when a part exits while the stack is not being stopped. */
  readonly failed = new Promise<string>((resolve) => (this.fail = resolve))

  constructor(private readonly options: StackOptions) {}

  async start(): Promise<void> {
    const { env, dataDir, buildPage, say } = this.options
    for (const leftover of [await stopLeftoverRedis(dataDir), await stopLeftoverPostgres(dataDir)]) {
      if (leftover) say(`stopped a private server (pid ${leftover}) that an earlier, killed pnpm start had left running`)
    }
    const plans = [await this.planRedis(), await this.planPostgres()]
    const problems = plans.flatMap((plan) => ('problem' in plan ? [plan.problem] : []))
    if (problems.length > 0) throw new StackError(problems)
    for (const plan of plans) if ('note' in plan) say(plan.note)

    if (buildPage) await runToEnd('web', process.execPath, ['--import', 'tsx', 'build.ts'], { cwd: app('web'), env, output: 'prefixed' })
    await Promise.all(
      plans.map(async (plan) => {
        if (!('start' in plan) || this.stopping) return
        this.add(plan.server, await plan.start())
        say(plan.started)
      }),
    )
    if (this.stopping) return

    const coreEnv = { ...env, SEED_DEMO: env.SEED_DEMO ?? '1' }
    this.add('core', this.service('core', coreEnv, 15_000))
    // CORE_PORT alone moves the core; the gateway follows it unless CORE_URL says otherwise.
    const coreUrl = env.CORE_URL || `http://127.0.0.1:${env.CORE_PORT || 3001}`
    const drainMs = Number(env.SHUTDOWN_DRAIN_MS ?? 0) || 0
    this.add('gateway', this.service('gateway', { ...env, CORE_URL: coreUrl }, drainMs + 15_000))

    const host = !env.HOST || env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST
    const gateway = `http://${host}:${env.GATEWAY_PORT || 3000}`
    try {
      await waitUntil('the gateway', async () => (await fetch(`${gateway}/health/ready`, { signal: AbortSignal.timeout(1000) })).ok, 60_000, 250)
      if (!this.stopping) say(`ready: the page at ${gateway}/, the API at ${gateway}/docs (Ctrl-C stops everything)`)
    } catch {
      if (!this.stopping) say(`the gateway is not ready after 60 s; its log above says why (${gateway}/health/ready)`)
    }
  }

  /** Stops every part, the last started first; the same promise for every caller. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { part } of [...this.parts].reverse()) await part.stop()
      for (const { name } of this.parts) if (name === 'redis-server' || name === 'postgres') this.options.say(`stopped the private ${name}`)
    })()
    return this.stopping
  }

  private add(name: PrivateServer | 'core' | 'gateway', part: Supervised): void {
    this.parts.push({ name, part })
    part.child.exited.then((status) => {
      if (!this.stopping) this.fail(`${name} exited (${describeExit(status)})`)
    })
    // A part that finished starting after stop() was called is stopped too.
    if (this.stopping) void part.stop()
  }

  private service(name: 'core' | 'gateway', env: NodeJS.ProcessEnv, graceMs: number): Supervised {
    // node itself, not pnpm or the tsx CLI: the signal reaches the service, which closes gracefully.
    const child = startChild(name, process.execPath, SERVICE_ARGS, { cwd: app(name), env, output: 'prefixed' })
    return { child, stop: () => child.stop('SIGTERM', graceMs) }
  }

  /** Why the cluster is not in the data folder, when it is not. */
  private outOfReach(dataDir: string, osUser: OsUser | undefined): string {
    return postgresDir(dataDir, osUser).startsWith(dataDir) ? '' : `, since the postgres user cannot reach ${dataDir}`
  }

  private shown(path: string): string {
    const rel = relative(process.cwd(), path)
    return rel && !rel.startsWith('..') ? rel : path
  }

  private async planRedis(): Promise<Plan> {
    const { env, dataDir } = this.options
    if (env.REDIS_CLUSTER_NODES) return { note: `redis: using the cluster at ${env.REDIS_CLUSTER_NODES}` }
    const address = addressOf(env.REDIS_URL || DEFAULT_REDIS_URL, 6379)
    const missing = await this.missing('redis', 'REDIS_URL', address)
    if (missing) return missing
    const binary = onPath('redis-server')
    if (!binary) return { problem: `redis: nothing answers at ${describe(address)} and redis-server is not installed: ${INSTALL.redis}, ${OR_COMPOSE}` }
    return {
      server: 'redis-server',
      start: () => startPrivateRedis(binary, address, dataDir),
      started: `redis: nothing answered at ${describe(address)}, so a private redis-server runs there until pnpm start stops (data in ${this.shown(redisDir(dataDir))})`,
    }
  }

  private async planPostgres(): Promise<Plan> {
    const { env, dataDir } = this.options
    const url = env.DATABASE_URL || DEFAULT_DATABASE_URL
    const address = addressOf(url, 5432)
    const missing = await this.missing('postgres', 'DATABASE_URL', address)
    if (missing) return missing
    const binaries = findPostgres()
    if (!binaries) {
      return {
        problem: `postgres: nothing answers at ${describe(address)} and the PostgreSQL server programs (initdb, postgres) are not installed: ${INSTALL.postgres}, ${OR_COMPOSE}`,
      }
    }
    const osUser = postgresOsUser()
    if (osUser === null) {
      return {
        problem: `postgres: nothing answers at ${describe(address)}, and Postgres will not run as root with no \`postgres\` user to run it as: run pnpm start as another user, or start a Postgres of your own`,
      }
    }
    // pg connects as the OS user when the URL names none; the cluster's superuser is that role.
    const superuser = decodeURIComponent(new URL(url).username) || env.USER || userInfo().username
    return {
      server: 'postgres',
      start: () => startPrivatePostgres(binaries, address, superuser, dataDir, osUser),
      started: `postgres: nothing answered at ${describe(address)}, so a private PostgreSQL runs there until pnpm start stops (trust auth, data in ${this.shown(postgresDir(dataDir, osUser))}${this.outOfReach(dataDir, osUser)})`,
    }
  }

  /** Null when a private server may be started there; otherwise why not (it answers, or it is elsewhere). */
  private async missing(name: string, variable: string, address: Address): Promise<Plan | null> {
    if (await answers(address)) return { note: `${name}: using the one at ${describe(address)}` }
    if (isLoopback(address.host)) return null
    return {
      problem: `${name}: nothing answers at ${describe(address)} (${variable}), which is not on this machine: start it there, or unset ${variable} to have a private one here`,
    }
  }
}

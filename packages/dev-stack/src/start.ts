/**
 * `pnpm start` (see stack.ts): the root script builds first (`pnpm build`) and runs this compiled,
 * so the stack runs the services' compiled JavaScript as production does. Everything it started
 * stops on Ctrl-C, SIGTERM or SIGHUP, when a part exits on its own (exit code 1), and when the
 * process that started it goes away (pnpm does not pass SIGTERM on to its script). Killed outright,
 * it leaves the services to stop themselves (exit-with-parent.ts) and the private servers to the
 * next start (leftovers.ts).
 *
 *   --data-dir <dir>     where private servers keep their data (default: .rushgate/ at the repository root)
 *   --skip-page-build    serve the page as last built
 */
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { watchParent } from './parent-watch.ts'
import { DevStack, REPO_ROOT, StackError } from './stack.ts'

const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, 'skip-page-build': { type: 'boolean' } } })
const say = (line: string) => console.log(line)
const stack = new DevStack({
  env: process.env,
  dataDir: resolve(values['data-dir'] ?? join(REPO_ROOT, '.rushgate')),
  buildPage: !values['skip-page-build'],
  say,
})

let shuttingDown = false
async function shutdown(why: string, code: number): Promise<void> {
  if (shuttingDown) return
  shuttingDown = true
  say(why)
  await stack.stop()
  process.exit(code)
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void shutdown(`${signal}: stopping`, 0))
}
watchParent(() => void shutdown('the process that ran pnpm start has gone: stopping', 0))
void stack.failed.then((why) => shutdown(`${why}: stopping the rest`, 1))

try {
  await stack.start()
} catch (err) {
  for (const line of err instanceof StackError ? err.lines : [`could not start: ${(err as Error).message}`]) console.error(line)
  await shutdown('nothing more to do: stopping', 1)
}

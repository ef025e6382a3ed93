/**
 * Preloaded (`node --import`) into the core and the gateway that `pnpm start` runs: should
 * `pnpm start` die without stopping them (kill -9), they get a SIGTERM and close the graceful way.
 */
import { watchParent } from './parent-watch.ts'

watchParent(() => process.kill(process.pid, 'SIGTERM'))

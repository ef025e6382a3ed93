/**
 * What the kit needs of an app, handed in by the suite that runs it (`@rushgate/core/entry-points`,
 * `@rushgate/gateway/entry-points`). The kit depends on no app, so the apps' own suites can depend on
 * the kit without a workspace cycle.
 */
import type { FastifyInstance } from 'fastify'
import type { Migrations } from './scratch-database.ts'

export interface AppEntry {
  /** The app's server process, run from its sources (`node --import tsx --conditions=@rushgate/source <serverFile>`). */
  serverFile: string
  /** Builds the app in this process from an environment, as its server process does. */
  build(env: Record<string, string>): Promise<FastifyInstance>
}

export interface CoreEntry extends AppEntry, Migrations {}

export type GatewayEntry = AppEntry

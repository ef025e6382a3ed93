/** What a rush leaves behind for the invariant check: enough to re-check it later on its own. */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { RESULTS_DIR } from '../report.ts'
import type { Sample } from './sampler.ts'
import type { UserRecord } from './user.ts'

export interface RunRecord {
  runId: string
  startedAt: string
  stack: {
    gatewayUrl: string
    coreUrl: string
    databaseUrl: string | undefined
    adminToken: string
    internalToken: string
    /** false when the rush started the stack and stopped it afterwards */
    stillRunning: boolean
  }
  concertIds: number[]
  /** the maxActive set for the rush (null: none) */
  maxActive: number | null
  /** the concerts' maxTicketsPerUser (null: none) */
  ticketLimit: number | null
  /** ms since the start when admission began (after the pre-queue, if any) */
  lineOpenAt: number
  users: UserRecord[]
  samples: Sample[]
}

/** Full records hold every user and the stack's tokens: kept out of git (see .gitignore). */
const RUNS_DIR = resolve(RESULTS_DIR, '.runs')

export function saveRecord(record: RunRecord): string {
  mkdirSync(RUNS_DIR, { recursive: true })
  const file = resolve(RUNS_DIR, `rush-${record.runId}.json`)
  writeFileSync(file, JSON.stringify(record))
  writeFileSync(resolve(RUNS_DIR, 'latest'), file)
  return file
}

/** The record at `file`, or the latest one. */
export function loadRecord(file?: string): RunRecord {
  const path = file ?? latestRecordPath()
  return JSON.parse(readFileSync(path, 'utf8')) as RunRecord
}

function latestRecordPath(): string {
  const pointer = resolve(RUNS_DIR, 'latest')
  if (existsSync(pointer)) return readFileSync(pointer, 'utf8').trim()
  const files = existsSync(RUNS_DIR) ? readdirSync(RUNS_DIR).filter((f) => f.endsWith('.json')) : []
  if (files.length === 0) throw new Error(`no rush record in ${RUNS_DIR}: run \`pnpm rush\` first`)
  return resolve(RUNS_DIR, files.sort().at(-1)!)
}

/**
 * The line's Lua scripts (./scripts/*.lua, each documenting its KEYS and ARGV), typed. Each is sent
 * with ./scripts/shared.lua before it, and before that the field list of the settings hash, written
 * here once from SETTINGS_FIELDS so that Lua and TypeScript read the hash alike.
 */
import { readFileSync } from 'node:fs'
import { defineScripts, readScripts, type ScriptReply } from '../redis/scripts.ts'
import { SETTINGS_FIELDS } from './line-config.ts'

type Args = (string | number)[]

export interface LineScripts {
  /** numkeys first (scripts/enter-n.lua); answers the settings, then one reply per user. */
  rgEnter(...args: Args): Promise<[(string | null)[] | 'VANISHED', ...ScriptReply[]]>
  rgStatus(...args: Args): Promise<ScriptReply>
  rgLeave(...args: Args): Promise<[number, (string | number)?]>
  rgFinishPaid(...args: Args): Promise<number>
  /** { admitted, expired, abandoned, turns, soldOut (1/0) }, or { -1 | -2 | -3, 0, 0 } (scripts/admit-9.lua). */
  rgAdmit(...args: Args): Promise<[number, number, number, number[]?, number?]>
  rgSoldOut(...args: Args): Promise<number>
  rgSnapshot(...args: Args): Promise<number>
  rgOpenBegin(...args: Args): Promise<[string, string?, number?]>
  rgOpenPlace(...args: Args): Promise<[string, number]>
  rgConfigure(...args: Args): Promise<[string]>
  rgView(...args: Args): Promise<ScriptReply>
  /** { epoch, 1 if this call wrote it } (scripts/revive-4.lua). */
  rgRevive(...args: Args): Promise<[string, number]>
}

const DIR = new URL('./scripts/', import.meta.url)
// Written out, not built by a loop: a script runs its prelude at every call.
const PRELUDE =
  `local SETTINGS_FIELDS = { ${SETTINGS_FIELDS.map((f) => `'${f}'`).join(', ')} }\n` +
  `local F = { ${SETTINGS_FIELDS.map((f, i) => `${f} = ${i + 1}`).join(', ')} }\n` +
  readFileSync(new URL('shared.lua', DIR), 'utf8')

export const withLineScripts = defineScripts<LineScripts>(DIR, PRELUDE)

/** The full source of one line script as Redis runs it (the load tests send it themselves). */
export function lineScript(name: string): { numberOfKeys?: number; lua: string } {
  const script = readScripts(DIR, PRELUDE).find((s) => s.name === name)
  if (!script) throw new Error(`no line script ${name}`)
  return script
}

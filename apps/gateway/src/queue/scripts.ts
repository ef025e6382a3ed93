/** The waiting line's Lua scripts (./scripts/*.lua, each documenting its KEYS and ARGV), typed. */
import { defineScripts, type ScriptReply } from '../redis/scripts.ts'

export interface LineScripts {
  rgEnter(...args: (string | number)[]): Promise<ScriptReply>
  rgStatus(...args: (string | number)[]): Promise<ScriptReply>
  rgLeave(...args: (string | number)[]): Promise<number>
  rgFinishPaid(...args: (string | number)[]): Promise<number>
  rgAdmit(...args: (string | number)[]): Promise<[number, number]>
}

export const withLineScripts = defineScripts<LineScripts>(new URL('./scripts/', import.meta.url))

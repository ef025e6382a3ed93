/**
 * Lua scripts registered once per connection with `defineCommand` (ioredis then sends EVALSHA and
 * falls back to EVAL after a Redis restart). Each folder of scripts belongs to the module that uses
 * it; a script's command is `rg` + its file name in camel case, and the number of keys it takes is
 * read from the file name (`status-12.lua` is `rgStatus` with 12 keys; `enter-n.lua` takes as many as
 * the caller says, in the first argument, as EVALSHA itself does). A folder may give a prelude:
 * Lua put before each of its scripts (functions they share), since a script cannot call another.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { RedisClient } from './client.ts'

/** The reply of a script that answers a list. */
export type ScriptReply = (string | number | null)[]

/** `<name>-<keys>.lua`, or `<name>-n.lua` for a script whose caller gives the number of keys. */
const SCRIPT_FILE = /-(\d+|n)\.lua$/

function commandName(file: string): string {
  const stem = file.replace(SCRIPT_FILE, '')
  return 'rg' + stem.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())
}

export interface ScriptSource {
  name: string
  /** undefined: the caller passes the number of keys first. */
  numberOfKeys: number | undefined
  lua: string
}

/** The scripts of `dir` (files named as SCRIPT_FILE says), each with `prelude` before it. */
export function readScripts(dir: URL, prelude = ''): ScriptSource[] {
  return readdirSync(dir)
    .filter((f) => SCRIPT_FILE.test(f))
    .map((file) => {
      const keys = SCRIPT_FILE.exec(file)![1]!
      return {
        name: commandName(file),
        numberOfKeys: keys === 'n' ? undefined : Number(keys),
        lua: prelude + readFileSync(new URL(file, dir), 'utf8'),
      }
    })
}

/** Registers every script of `dir` on `client`; `T` types the commands it adds. */
export function defineScripts<T>(dir: URL, prelude = ''): <C extends RedisClient>(client: C) => C & T {
  const sources = readScripts(dir, prelude)
  return (client) => {
    for (const { name, numberOfKeys, lua } of sources) client.defineCommand(name, { numberOfKeys, lua })
    return client as typeof client & T
  }
}

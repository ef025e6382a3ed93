/**
 * Lua scripts registered once per connection with `defineCommand` (ioredis then sends EVALSHA and
 * falls back to EVAL after a Redis restart). Each folder of scripts belongs to the module that uses
 * it; a script's command is `rg` + its file name in camel case, and the number of keys it takes is
 * read from the file name (`enter-11.lua` is `rgEnter` with 11 keys). A folder may give a prelude:
 * Lua put before each of its scripts (functions they share), since a script cannot call another.
 */
import { readdirSync, readFileSync } from 'node:fs'
import type { RedisClient } from './client.ts'

/** The reply of a script that answers a list. */
export type ScriptReply = (string | number | null)[]

function commandName(file: string): string {
  const stem = file.replace(/-\d+\.lua$/, '')
  return 'rg' + stem.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())
}

export interface ScriptSource {
  name: string
  numberOfKeys: number
  lua: string
}

/** The scripts of `dir` (files named `<name>-<keys>.lua`), each with `prelude` before it. */
export function readScripts(dir: URL, prelude = ''): ScriptSource[] {
  return readdirSync(dir)
    .filter((f) => /-\d+\.lua$/.test(f))
    .map((file) => ({
      name: commandName(file),
      numberOfKeys: Number(/-(\d+)\.lua$/.exec(file)?.[1]),
      lua: prelude + readFileSync(new URL(file, dir), 'utf8'),
    }))
}

/** Registers every script of `dir` on `client`; `T` types the commands it adds. */
export function defineScripts<T>(dir: URL, prelude = ''): <C extends RedisClient>(client: C) => C & T {
  const sources = readScripts(dir, prelude)
  return (client) => {
    for (const { name, numberOfKeys, lua } of sources) client.defineCommand(name, { numberOfKeys, lua })
    return client as typeof client & T
  }
}

/**
 * The Lua scripts of the waiting line, registered once per connection with `defineCommand`
 * (ioredis then sends EVALSHA and falls back to EVAL after a Redis restart). The number of
 * keys is read from the file name (`enter-5.lua` takes 5 keys).
 */
import { readFileSync, readdirSync } from 'node:fs'
import type { RedisClient } from './client.ts'

const SCRIPTS_DIR = new URL('./scripts/', import.meta.url)

type Reply = (string | number | null)[]

/** Typed calls of the scripts; the names are `rg` + the file name in camel case. */
export interface LineScripts {
  rgEnter(...args: (string | number)[]): Promise<Reply>
  rgStatus(...args: (string | number)[]): Promise<Reply>
  rgLeave(...args: (string | number)[]): Promise<number>
  rgFinishPaid(...args: (string | number)[]): Promise<number>
  rgAdmit(...args: (string | number)[]): Promise<[number, number]>
  rgRateLimit(...args: (string | number)[]): Promise<number[]>
}

function commandName(file: string): string {
  const stem = file.replace(/-\d+\.lua$/, '')
  return 'rg' + stem.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase())
}

const sources = readdirSync(SCRIPTS_DIR)
  .filter((f) => f.endsWith('.lua'))
  .map((file) => ({
    name: commandName(file),
    numberOfKeys: Number(/-(\d+)\.lua$/.exec(file)?.[1]),
    lua: readFileSync(new URL(file, SCRIPTS_DIR), 'utf8'),
  }))

export function registerScripts(client: RedisClient): RedisClient & LineScripts {
  for (const { name, numberOfKeys, lua } of sources) {
    client.defineCommand(name, { numberOfKeys, lua })
  }
  return client as RedisClient & LineScripts
}

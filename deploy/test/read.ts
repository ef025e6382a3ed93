/**
 * Reads the deployment as Docker would, without Docker: docker-compose.yml parsed with its
 * anchors and merge keys and interpolated like compose does, the Dockerfile split into stages and
 * instructions, and the metric names the code exports and a PromQL expression names.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

export const REPO = fileURLToPath(new URL('../../', import.meta.url))
export const read = (path: string) => readFileSync(join(REPO, path), 'utf8')

export function exists(path: string): boolean {
  try {
    statSync(join(REPO, path))
    return true
  } catch {
    return false
  }
}

// biome-ignore lint/suspicious/noExplicitAny: the compose file is checked field by field
export type Service = Record<string, any>
export interface Compose {
  raw: string
  services: Record<string, Service>
}

/** The compose file as YAML (anchors resolved, `<<` merged), before interpolation. */
export function readCompose(): Compose {
  const raw = read('docker-compose.yml')
  return { raw, services: parse(raw, { merge: true }).services }
}

/** Every `${…}` of a text: the variable, the operator (`:?`, `:-`, …) and what follows it. */
export function references(text: string): { name: string; operator: string; rest: string }[] {
  return [...text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:?[?+-])?([^}]*)\}/g)].map(([, name, operator, rest]) => ({
    name: name!,
    operator: operator ?? '',
    rest: rest ?? '',
  }))
}

/** Compose's interpolation of one value: `${X}`, `${X:-default}`, `${X:?message}` (which throws when X is unset or empty). */
export function interpolate(value: unknown, vars: Record<string, string>): string {
  return String(value).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[?-])([^}]*))?\}/g, (_, name: string, op?: string, rest?: string) => {
    const set = vars[name]
    if (op === ':?' && !set) throw new Error(`required variable ${name} is missing a value: ${rest}`)
    if (op === ':-' && !set) return rest ?? ''
    return set ?? ''
  })
}

/** A service's environment (map or list form) as compose hands it to the container. */
export function environment(service: Service, vars: Record<string, string>): Record<string, string> {
  const env = service.environment ?? {}
  const entries: [string, unknown][] = Array.isArray(env)
    ? env.map((item: string) => [item.split('=')[0]!, item.split('=').slice(1).join('=')])
    : Object.entries(env)
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v ?? '', vars)]))
}

export interface Instruction {
  keyword: string
  args: string
}
export interface Stage {
  name: string | null
  /** The image or earlier stage it starts from. */
  from: string
  instructions: Instruction[]
}

/** The Dockerfile's stages: continuation lines joined, comments and parser directives dropped. */
export function readDockerfile(): Stage[] {
  const text = read('Dockerfile').replace(/\\\r?\n/g, ' ')
  const stages: Stage[] = []
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line || line.startsWith('#')) continue
    const [, keyword, args] = /^(\S+)\s*(.*)$/.exec(line)!
    const instruction = { keyword: keyword!.toUpperCase(), args: args! }
    if (instruction.keyword === 'FROM') {
      const [, from, name] = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(instruction.args)!
      stages.push({ name: name ?? null, from: from!, instructions: [] })
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction)
    }
  }
  return stages
}

/** A stage's instructions with those of the stages it is built on, oldest first. */
export function lineage(stages: Stage[], stage: Stage): Instruction[] {
  const base = stages.find((s) => s.name === stage.from)
  return [...(base ? lineage(stages, base) : []), ...stage.instructions]
}

/** The JSON (exec) form of CMD / ENTRYPOINT / RUN, or the shell form as one string. */
export function execForm(args: string): string[] {
  try {
    const parsed = JSON.parse(args)
    if (Array.isArray(parsed)) return parsed.map(String)
  } catch {}
  return [args]
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(path)
    return entry.name.endsWith('.ts') ? [path] : []
  })
}

/** The metric names the services' code declares (`name: 'rushgate_…'`, `counter('rushgate_…'`). */
export function exportedMetricNames(): Set<string> {
  const names = new Set<string>()
  for (const file of [...sourceFiles('apps/core/src'), ...sourceFiles('apps/gateway/src')]) {
    for (const [, name] of read(file).matchAll(/['"`](rushgate_[a-z0-9_]+)['"`]/g)) names.add(name!)
  }
  return names
}

const PROMQL_WORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan'])

/** The metric names a PromQL expression reads: identifiers that are neither functions, keywords, labels nor strings. */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
  return [...bare.matchAll(/[A-Za-z_:][\w:]*/g)]
    .filter((m) => !/^\s*\(/.test(bare.slice(m.index! + m[0].length)) && !PROMQL_WORDS.has(m[0].toLowerCase()))
    .map((m) => m[0])
}

/** Tables, percentiles and the files of `results/`: what a person reads after a run. */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const RESULTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../results')

export interface Machine {
  cpus: number
  cpuModel: string
  memoryGiB: number
  node: string
  platform: string
}

export function machine(): Machine {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
}

/** The 1-minute load average: how busy the shared machine was (other work included). */
export function load(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100
}

export function describeMachine(m: Machine): string {
  return `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`
}

/** The p-th percentile (0..100) of `values`, nearest rank; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank] as number
}

/** A Markdown table; also readable as plain text on a terminal. */
export function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))]
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)))
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join(' | ')} |`
  return [line(cells[0]!), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n')
}

/** A timestamp usable in a file name. */
export function stamp(date = new Date()): string {
  return date.toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z')
}

/** Writes `results/<base>.json` and `results/<base>.md` (and any extra files) and returns their paths. */
export function writeResults(base: string, json: unknown, markdown: string, extra: Record<string, string> = {}): string[] {
  mkdirSync(RESULTS_DIR, { recursive: true })
  const files: Record<string, string> = {
    [`${base}.json`]: `${JSON.stringify(json, null, 2)}\n`,
    [`${base}.md`]: markdown,
    ...extra,
  }
  return Object.entries(files).map(([name, content]) => {
    const file = resolve(RESULTS_DIR, name)
    writeFileSync(file, content)
    return file
  })
}

export const fmt = {
  ms: (v: number) => `${Math.round(v * 10) / 10}`,
  ratio: (v: number | undefined) => (v === undefined ? '' : v.toFixed(2)),
  int: (v: number) => Math.round(v).toLocaleString('en-US'),
}

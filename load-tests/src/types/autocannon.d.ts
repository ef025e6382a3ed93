// autocannon ships no type declarations; this covers the programmatic API the benchmarks use.
// https://github.com/mcollina/autocannon#api
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events'

  export interface RequestParams {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }

  export interface Request extends RequestParams {
    setupRequest?: (req: RequestParams, context: Record<string, unknown>) => RequestParams | null
    onResponse?: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string>) => void
  }

  export interface Options {
    url: string
    connections?: number
    duration?: number
    amount?: number
    pipelining?: number
    timeout?: number
    title?: string
    method?: string
    headers?: Record<string, string>
    body?: string
    requests?: Request[]
    initialContext?: Record<string, unknown>
  }

  export interface Histogram {
    average: number
    mean: number
    stddev: number
    min: number
    max: number
    p50: number
    p90: number
    p97_5: number
    p99: number
    total: number
    sent?: number
  }

  export interface Result {
    title?: string
    url: string
    connections: number
    duration: number
    start: Date
    finish: Date
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    statusCodeStats: Record<string, { count: number }>
    latency: Histogram & { totalCount: number }
    requests: Histogram
    throughput: Histogram
  }

  export interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void
  }

  function autocannon(opts: Options): Instance & Promise<Result>
  export default autocannon
}

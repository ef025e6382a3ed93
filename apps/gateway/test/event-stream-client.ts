/** A minimal Server-Sent Events reader for the tests (HTTP/1.1 or HTTP/2): the status, the JSON error, the events in order. */
import { request } from 'node:http'
import type { ClientHttp2Session } from 'node:http2'
import type { Readable } from 'node:stream'

export interface SseEvent {
  event: string
  data: unknown
}

export interface SseStream {
  status: number
  contentType: string
  /** The JSON body when the answer was not a stream. */
  body: unknown
  events: SseEvent[]
  comments: number
  /** Resolves with the first event (from the start) that matches, after `skip` earlier matches. */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>
  /** Resolves when the server closed the stream. */
  ended: Promise<void>
  close(): void
}

export function openEvents(base: string, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      readStream(res.statusCode ?? 0, String(res.headers['content-type'] ?? ''), res, () => req.destroy(), resolve)
    })
    req.on('error', reject)
    req.end()
  })
}

/** The same over an HTTP/2 connection: one stream of `session`. */
export function openEventsHttp2(session: ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ':path': path, accept: 'text/event-stream', ...headers })
    req.on('response', (h) => readStream(Number(h[':status']), String(h['content-type'] ?? ''), req, () => req.close(), resolve))
    req.on('error', reject)
  })
}

function readStream(status: number, contentType: string, res: Readable, close: () => void, resolve: (s: SseStream) => void): void {
  let text = ''
  const waiters: (() => void)[] = []
  let endedResolve: () => void = () => {}
  const stream: SseStream = {
    status,
    contentType,
    body: null,
    events: [],
    comments: 0,
    ended: new Promise((r) => {
      endedResolve = r
    }),
    close,
    next(match, timeoutMs = 10_000) {
      return new Promise((ok, fail) => {
        const check = (): boolean => {
          const found = stream.events.find(match)
          if (found) ok(found)
          return found !== undefined
        }
        if (check()) return
        const timer = setTimeout(() => fail(new Error(`no such event in ${JSON.stringify(stream.events)}`)), timeoutMs)
        const waiter = () => {
          if (check()) {
            clearTimeout(timer)
            waiters.splice(waiters.indexOf(waiter), 1)
          }
        }
        waiters.push(waiter)
      })
    },
  }
  res.setEncoding('utf8')
  if (!contentType.startsWith('text/event-stream')) {
    res.on('data', (chunk: string) => {
      text += chunk
    })
    res.on('end', () => {
      stream.body = JSON.parse(text)
      resolve(stream)
    })
    return
  }
  res.on('data', (chunk: string) => {
    text += chunk
    let at = text.indexOf('\n\n')
    while (at >= 0) {
      const block = text.slice(0, at)
      text = text.slice(at + 2)
      at = text.indexOf('\n\n')
      if (block.startsWith(':')) {
        stream.comments++
        continue
      }
      let event = 'message'
      let data = ''
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7)
        else if (line.startsWith('data: ')) data += line.slice(6)
      }
      stream.events.push({ event, data: JSON.parse(data) })
    }
    for (const w of [...waiters]) w()
  })
  res.on('close', () => endedResolve())
  res.on('error', () => endedResolve())
  resolve(stream)
}

/** A minimal Server-Sent Events reader for the tests: the status, the JSON error, the events in order. */
import { request } from 'node:http'

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
      const contentType = String(res.headers['content-type'] ?? '')
      let text = ''
      const waiters: (() => void)[] = []
      let endedResolve: () => void = () => {}
      const stream: SseStream = {
        status: res.statusCode ?? 0,
        contentType,
        body: null,
        events: [],
        comments: 0,
        ended: new Promise((r) => {
          endedResolve = r
        }),
        close: () => req.destroy(),
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
    })
    req.on('error', reject)
    req.end()
  })
}

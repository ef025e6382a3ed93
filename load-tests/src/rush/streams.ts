/**
 * Event streams for the rush's waiting users, as the page listens to them: `GET …/tokens/current/
 * events` over cleartext HTTP/2, many users' streams on each connection (as a load balancer carries
 * them to a gateway), so 20,000 listeners need 20 sockets, not 20,000.
 */
import { type ClientHttp2Session, connect } from 'node:http2'

export interface StreamEvent {
  event: string
  data: unknown
}

export interface Listening {
  /** Resolves with the answer's status once the headers came (200 for a stream). */
  status: Promise<number>
  /** Resolves when the stream ended, closed by either side or failed. */
  closed: Promise<void>
  close(): void
}

export class StreamPool {
  private readonly sessions: { session: ClientHttp2Session; open: number }[] = []

  constructor(
    private readonly origin: string,
    private readonly perSession = 1000,
  ) {}

  private session(): { session: ClientHttp2Session; open: number } {
    let s = this.sessions.find((x) => x.open < this.perSession && !x.session.closed && !x.session.destroyed)
    if (!s) {
      const session = connect(this.origin)
      // A load balancer opens the connection's window wide: one stream's bytes never wait on another's.
      session.on('connect', () => session.setLocalWindowSize(2 ** 30))
      session.on('error', () => {})
      s = { session, open: 0 }
      this.sessions.push(s)
    }
    return s
  }

  /** Opens `path` as an event stream; each complete event goes to `onEvent`. */
  listen(path: string, headers: Record<string, string>, onEvent: (e: StreamEvent) => void): Listening {
    const slot = this.session()
    slot.open++
    const req = slot.session.request({ ':path': path, accept: 'text/event-stream', ...headers })
    let rest = ''
    req.setEncoding('utf8')
    const status = new Promise<number>((resolve) => {
      req.on('response', (h) => resolve(Number(h[':status'])))
      req.on('error', () => resolve(0))
      req.on('close', () => resolve(0))
    })
    req.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n\n')
      rest = parts.pop() ?? ''
      for (const part of parts) {
        let event = 'message'
        let data = ''
        for (const line of part.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7)
          else if (line.startsWith('data: ')) data += line.slice(6)
        }
        if (data === '') continue
        try {
          onEvent({ event, data: JSON.parse(data) })
        } catch {}
      }
    })
    const closed = new Promise<void>((resolve) => {
      req.on('close', () => {
        slot.open--
        resolve()
      })
      req.on('error', () => {})
    })
    return { status, closed, close: () => req.close() }
  }

  close(): void {
    for (const { session } of this.sessions) session.close()
  }
}

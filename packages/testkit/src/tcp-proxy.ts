/**
 * A loopback TCP proxy in front of Postgres, to take "the database" away from one core under test
 * without touching the shared Postgres: `cut()` drops every connection and refuses new ones,
 * `hang()` accepts connections but never answers, `restore()` forwards again on the same port.
 */
import net from 'node:net'

export class TcpProxy {
  private server: net.Server | null = null
  private sockets = new Set<net.Socket>()
  private mode: 'forward' | 'hang' = 'forward'
  port = 0

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      this.track(client)
      if (this.mode === 'hang') return
      const upstream = net.connect(this.targetPort, this.targetHost)
      this.track(upstream)
      client.pipe(upstream).pipe(client)
      const close = () => {
        client.destroy()
        upstream.destroy()
      }
      client.on('error', close).on('close', close)
      upstream.on('error', close).on('close', close)
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.address() as net.AddressInfo).port
    this.server = server
  }

  private track(socket: net.Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
  }

  private dropAll(): void {
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
  }

  /** Postgres "goes away": open connections drop, new ones are refused. */
  async cut(): Promise<void> {
    const server = this.server
    this.server = null
    this.dropAll()
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /** Postgres "hangs": connections drop, new ones are accepted and never answered. */
  hang(): void {
    this.mode = 'hang'
    this.dropAll()
  }

  async restore(): Promise<void> {
    this.mode = 'forward'
    if (!this.server) await this.start()
  }

  async close(): Promise<void> {
    await this.cut()
  }
}

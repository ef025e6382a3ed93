/** Raw HTTP/1.1 over a socket, for what a well-behaved client never does: dribbling, duplicated headers. */
import { createConnection } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

export interface RawAnswer {
  status: number
  head: string
  body: string
  json: Record<string, unknown> | undefined
}

export interface RawOptions {
  /** Body parts, written one after the other with `gapMs` between them. */
  parts?: (string | Buffer)[]
  gapMs?: number
  /** Called after the head and before the first body part is written. */
  afterHead?: () => Promise<void> | void
  timeoutMs?: number
}

/** Sends `head` (request line and headers, without the blank line) and the parts; resolves with the answer. */
export async function rawRequest(port: number, head: string, options: RawOptions = {}): Promise<RawAnswer> {
  const socket = createConnection({ port, host: '127.0.0.1' })
  socket.setNoDelay(true)
  const chunks: Buffer[] = []
  const ended = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`))
    }, options.timeoutMs ?? 10_000)
    const finish = () => {
      clearTimeout(timer)
      resolve()
    }
    socket.on('data', (c) => {
      chunks.push(c)
      // A complete answer ends the wait even when the server keeps the socket open.
      if (isComplete(Buffer.concat(chunks))) finish()
    })
    socket.once('close', finish)
    socket.once('error', (err) => {
      clearTimeout(timer)
      if (chunks.length) resolve()
      else reject(err)
    })
  })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  socket.write(`${head}\r\nConnection: close\r\n\r\n`)
  await options.afterHead?.()
  for (const part of options.parts ?? []) {
    if (socket.destroyed) break
    await sleep(options.gapMs ?? 0)
    socket.write(part)
  }
  await ended
  socket.destroy()
  const text = Buffer.concat(chunks).toString('utf8')
  const split = text.indexOf('\r\n\r\n')
  const headText = split >= 0 ? text.slice(0, split) : text
  const body = split >= 0 ? text.slice(split + 4) : ''
  let json: Record<string, unknown> | undefined
  try {
    json = JSON.parse(body)
  } catch {}
  return { status: Number(headText.split(' ')[1]), head: headText, body, json }
}

/** True once the head and `content-length` bytes of body have arrived. */
function isComplete(data: Buffer): boolean {
  const split = data.indexOf('\r\n\r\n')
  if (split < 0) return false
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(data.subarray(0, split).toString('latin1'))
  return length !== null && data.length >= split + 4 + Number(length[1])
}

/**
 * The proof-of-work solver, off the page's thread (a Web Worker): finds the integer n in
 * 0..maxnumber whose SHA-256(salt + n), in hex, is the challenge, and reports its progress.
 * Hashes are asked of crypto.subtle a batch at a time, since each digest is a promise.
 */
interface Task {
  challenge: string
  salt: string
  maxnumber: number
}

const BATCH = 1000
const scope = self as unknown as { onmessage: ((e: MessageEvent<Task>) => void) | null; postMessage(message: unknown): void }

function bytesOf(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

function same(digest: ArrayBuffer, target: Uint8Array): boolean {
  const bytes = new Uint8Array(digest)
  if (bytes.length !== target.length) return false
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== target[i]) return false
  return true
}

scope.onmessage = async (event) => {
  const { challenge, salt, maxnumber } = event.data
  const target = bytesOf(challenge.toLowerCase())
  const encoder = new TextEncoder()
  for (let start = 0; start <= maxnumber; start += BATCH) {
    const end = Math.min(maxnumber, start + BATCH - 1)
    const numbers = Array.from({ length: end - start + 1 }, (_, i) => start + i)
    const digests = await Promise.all(numbers.map((n) => crypto.subtle.digest('SHA-256', encoder.encode(salt + n))))
    const found = digests.findIndex((d) => same(d, target))
    if (found >= 0) {
      scope.postMessage({ number: numbers[found] })
      return
    }
    scope.postMessage({ progress: end / maxnumber })
  }
  scope.postMessage({ number: null })
}

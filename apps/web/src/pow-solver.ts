/**
 * The proof-of-work search: the integer n in 0..maxnumber whose SHA-256(salt + n), in hex, is the
 * challenge (ALTCHA's format). Synchronous SHA-256 (@noble/hashes) rather than crypto.subtle: a
 * subtle digest is a promise each, which made the page some 40 times slower than a bot with native
 * hashing; a person should pay for a puzzle about what a bot pays. Pure, so Node can run it too.
 */
import { sha256 } from '@noble/hashes/sha2.js'

export interface PowTask {
  challenge: string
  salt: string
  maxnumber: number
}

/** How many candidates between two progress reports. */
export const PROGRESS_EVERY = 10_000

function bytesOf(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** The number, or null when none in range matches; `onProgress` gets the fraction searched. */
export function solve(task: PowTask, onProgress: (fraction: number) => void = () => {}): number | null {
  const target = bytesOf(task.challenge.toLowerCase())
  if (target.length !== 32) return null
  const encoder = new TextEncoder()
  const prefix = encoder.encode(task.salt)
  // salt bytes, then the number's decimal digits (at most 16 for a safe integer)
  const input = new Uint8Array(prefix.length + 16)
  input.set(prefix)
  for (let n = 0; n <= task.maxnumber; n++) {
    const digits = String(n)
    for (let i = 0; i < digits.length; i++) input[prefix.length + i] = digits.charCodeAt(i)
    const digest = sha256(input.subarray(0, prefix.length + digits.length))
    let i = 0
    while (i < 32 && digest[i] === target[i]) i++
    if (i === 32) return n
    if (n % PROGRESS_EVERY === PROGRESS_EVERY - 1) onProgress(n / task.maxnumber)
  }
  return null
}

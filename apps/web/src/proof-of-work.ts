/**
 * A line's proof of work, as the page pays it: the challenge of `GET …/challenge` is solved in a
 * Web Worker (pow-worker.ts) and sent back as the `X-Proof-Of-Work` header of the join.
 */
export interface PowChallenge {
  algorithm: string
  challenge: string
  maxnumber: number
  salt: string
  signature: string
}

/** Solves `challenge`; resolves with the header's value (base64 of the JSON solution). */
export function solveChallenge(challenge: PowChallenge, onProgress: (fraction: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker('/pow-worker.js')
    worker.onmessage = (event: MessageEvent<{ progress?: number; number?: number | null }>) => {
      const { progress, number } = event.data
      if (progress !== undefined) {
        onProgress(progress)
        return
      }
      worker.terminate()
      if (number === null || number === undefined) {
        reject(new Error('the puzzle has no answer'))
        return
      }
      const { algorithm, challenge: hash, salt, signature } = challenge
      resolve(btoa(JSON.stringify({ algorithm, challenge: hash, number, salt, signature })))
    }
    worker.onerror = (event) => {
      worker.terminate()
      reject(new Error(event.message || 'the puzzle could not be solved in this browser'))
    }
    worker.postMessage({ challenge: challenge.challenge, salt: challenge.salt, maxnumber: challenge.maxnumber })
  })
}

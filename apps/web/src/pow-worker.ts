/**
 * The proof-of-work solver, off the page's thread (a Web Worker): runs the search of pow-solver.ts
 * and reports its progress, then the number (or null when none matched).
 */
import { type PowTask, solve } from './pow-solver.ts'

const scope = self as unknown as { onmessage: ((e: MessageEvent<PowTask>) => void) | null; postMessage(message: unknown): void }

scope.onmessage = (event) => {
  const number = solve(event.data, (progress) => scope.postMessage({ progress }))
  scope.postMessage({ number })
}

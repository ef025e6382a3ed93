/**
 * The gateway's rate-limit windows are fixed minutes (aligned to multiples of a minute): a test
 * that counts requests against a limit starts a sequence well inside one, not across two, where
 * the count would start again half-way.
 */
export async function awayFromWindowEdge(needsMs = 10_000): Promise<void> {
  const into = Date.now() % 60_000
  if (into > 60_000 - needsMs) await new Promise((r) => setTimeout(r, 60_000 - into + 50))
}

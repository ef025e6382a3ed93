/**
 * Calls `onGone` once the process that started this one has gone (its parent pid changes when it
 * is re-parented). pnpm does not pass SIGTERM on to the script it runs, and nothing at all
 * survives a kill -9 to tell the children: watching the parent covers both.
 */
export function watchParent(onGone: () => void, everyMs = 500): void {
  const parent = process.ppid
  const timer = setInterval(() => {
    if (process.ppid === parent) return
    clearInterval(timer)
    onGone()
  }, everyMs)
  timer.unref()
}

/** How numbers, money, dates and durations read on the page. */
const numbers = new Intl.NumberFormat('en-US')
const dateTime = new Intl.DateTimeFormat('en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
})

export function formatWon(amount: number): string {
  return `${numbers.format(amount)} won`
}

export function formatDate(iso: string): string {
  return dateTime.format(new Date(iso))
}

/** `4:05` for a countdown clock. */
export function formatClock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000))
  const minutes = Math.floor(total / 60)
  const seconds = total % 60
  return `${minutes}:${String(seconds).padStart(2, '0')}`
}

/** `about 40 seconds`, `about 3 minutes`: an estimate should not look more precise than it is. */
export function formatWait(seconds: number): string {
  if (seconds <= 5) return 'a few seconds'
  if (seconds < 60) return `about ${seconds} seconds`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `about ${minutes} minute${minutes === 1 ? '' : 's'}`
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return `about ${hours} h ${rest} min`
}

export function formatCount(n: number): string {
  return numbers.format(n)
}

export function plural(n: number, one: string, many: string): string {
  return `${numbers.format(n)} ${n === 1 ? one : many}`
}

/**
 * How numbers, money, dates and durations read on the page, in the page's language (lang.ts) and
 * in the viewer's own time zone (Intl's default: KST for Asia/Seoul).
 */
import { lang } from './lang.ts'

const numbers = new Intl.NumberFormat(lang === 'ko' ? 'ko-KR' : 'en-US')
// Korean readers get the date as Koreans write it; times in the viewer's zone, with its name.
const dateTime = new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
})

// A time of day on a 24-hour clock: `19:05:30`.
const timeOfDay = new Intl.DateTimeFormat(lang === 'ko' ? 'ko-KR' : 'en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })

/** `110,000원` in Korean, `110,000 won` in English. */
export function formatWon(amount: number): string {
  return lang === 'ko' ? `${numbers.format(amount)}원` : `${numbers.format(amount)} won`
}

export function formatDate(iso: string): string {
  return dateTime.format(new Date(iso))
}

export function formatTimeOfDay(epochMs: number): string {
  return timeOfDay.format(epochMs)
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
  if (lang === 'ko') return koreanWait(seconds)
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

/** `1 seat`, `3 seats`: English only; Korean counts with a counter word instead (`3석`), in its own table. */
export function plural(n: number, one: string, many: string): string {
  return `${numbers.format(n)} ${n === 1 ? one : many}`
}

function koreanWait(seconds: number): string {
  if (seconds <= 5) return '몇 초'
  if (seconds < 60) return `약 ${seconds}초`
  const minutes = Math.round(seconds / 60)
  if (minutes < 60) return `약 ${minutes}분`
  return `약 ${Math.floor(minutes / 60)}시간 ${minutes % 60}분`
}

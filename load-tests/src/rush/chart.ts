/**
 * A hand-written SVG chart of a rush: three stacked panels sharing the time axis — users waiting,
 * users active, and admissions per second — each with its own scale, so a line of 20,000 and 300
 * active users are both readable.
 */
import type { Sample } from './sampler.ts'

const WIDTH = 760
const PANEL = 130
const LEFT = 64
const RIGHT = 16
const TOP = 28
const GAP = 34

interface Series {
  label: string
  color: string
  points: [number, number][]
  limit?: number | null
}

export function rushChart(samples: readonly Sample[], title: string): string {
  // Over a window of about three seconds: samples are finer than ticks, so per-sample rates would zigzag.
  const admissions: [number, number][] = []
  for (let i = 1, j = 0; i < samples.length; i++) {
    const b = samples[i]!
    while (j < i - 1 && b.t - samples[j + 1]!.t >= 3000) j++
    const a = samples[j]!
    const dt = (b.t - a.t) / 1000
    if (dt > 0) admissions.push([b.t, (b.admittedTotal - a.admittedTotal) / dt])
  }
  const series: Series[] = [
    { label: 'waiting', color: '#2563eb', points: samples.map((s) => [s.t, s.waiting]) },
    {
      label: 'active',
      color: '#16a34a',
      points: samples.map((s) => [s.t, s.active]),
      limit: samples.find((s) => s.maxActive !== null)?.maxActive ?? null,
    },
    { label: 'admissions / s', color: '#ea580c', points: admissions },
  ]
  const tMax = Math.max(1, ...samples.map((s) => s.t))
  const height = TOP + series.length * (PANEL + GAP) + 10
  const x = (t: number) => LEFT + (t / tMax) * (WIDTH - LEFT - RIGHT)
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${LEFT}" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
  ]
  series.forEach((s, i) => {
    const top = TOP + i * (PANEL + GAP)
    const yMax = niceMax(Math.max(1, s.limit ?? 0, ...s.points.map((p) => p[1])))
    const y = (v: number) => top + PANEL - (v / yMax) * PANEL
    parts.push(`<rect x="${LEFT}" y="${top}" width="${WIDTH - LEFT - RIGHT}" height="${PANEL}" fill="none" stroke="#ccc"/>`)
    for (const frac of [0, 0.5, 1]) {
      const v = yMax * frac
      parts.push(`<text x="${LEFT - 6}" y="${y(v) + 4}" text-anchor="end" fill="#555">${compact(v)}</text>`)
      if (frac > 0 && frac < 1) parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(v)}" y2="${y(v)}" stroke="#eee"/>`)
    }
    if (s.limit) {
      parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(s.limit)}" y2="${y(s.limit)}" stroke="#dc2626" stroke-dasharray="4 3"/>`)
      parts.push(`<text x="${WIDTH - RIGHT - 4}" y="${y(s.limit) - 4}" text-anchor="end" fill="#dc2626">maxActive ${s.limit}</text>`)
    }
    const path = s.points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ')
    parts.push(`<polyline points="${path}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`)
    parts.push(`<text x="${LEFT + 6}" y="${top + 14}" fill="${s.color}" font-weight="bold">${s.label}</text>`)
    const bottom = top + PANEL
    for (let k = 0; k <= 5; k++) {
      const t = (tMax * k) / 5
      parts.push(`<text x="${x(t)}" y="${bottom + 13}" text-anchor="middle" fill="#555">${(t / 1000).toFixed(0)} s</text>`)
    }
  })
  parts.push('</svg>')
  return `${parts.join('\n')}\n`
}

function niceMax(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v))
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= v) return step * magnitude
  return v
}

function compact(v: number): string {
  if (v >= 1000) return `${Math.round(v / 100) / 10}k`
  return `${Math.round(v * 10) / 10}`
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;')
}

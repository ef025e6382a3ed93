/**
 * The operators' dashboard at /admin: asks for the admin token (kept for the tab in
 * sessionStorage), then per concert the line over the last hour as uPlot charts (waiting and
 * active; admitted and abandoned per minute; the effective admission rate against the configured
 * one; the core's p95 against the target) from the history route, the wait of someone joining now,
 * what held the last tick back, seats and revenue, and the line's settings, changed after a
 * confirmation that says each change in words. Everything refreshes every few seconds; it fits a
 * phone's width (the charts take the card's).
 */
import type { HeldBack } from '@rushgate/shared'
import uPlot from 'uplot'
import { h } from '../dom.ts'
import { formatCount, formatDate, formatTimeOfDay, formatWon, plural } from '../format.ts'
import { dressPage, words } from '../lang.ts'

const w = words(
  {
    tagline: "operators' dashboard",
    title: 'Rushgate · operators',
    language: 'Language',
    signIn: 'Sign in',
    adminToken: 'Admin token',
    open: 'Open the dashboard',
    settingsOf: (concert: string) => `Settings of ${concert}`,
    noLimit: 'no limit',
    isoOrEmpty: 'ISO time, or empty',
    paused: 'Paused',
    admitPerTick: 'Admit per tick',
    maxActive: 'Max active',
    mode: 'Mode',
    opensAt: 'Opens at',
    adaptive: 'Adaptive admission',
    targetLatencyMs: 'Target p95 (ms)',
    apply: 'Apply settings',
    unchanged: 'Nothing to apply: the settings are unchanged.',
    notApplied: (why: string) => `The settings were not applied: ${why}`,
    state: 'State',
    waiting: 'Waiting',
    active: 'Active',
    wait: 'Wait if joining now',
    seconds: (n: string) => `${n} s`,
    held: 'Seats held',
    sold: 'Seats sold',
    available: 'Seats available',
    revenue: 'Revenue',
    heldBack: 'Held back by',
    effective: 'Admitted per tick at most',
    coreP95: 'Core p95',
    none: '—',
    reasons: {
      REBUILDING: 'rebuilding places',
      PREQUEUE: 'not open yet',
      PAUSED: 'paused',
      SOLD_OUT: 'sold out',
      NO_SEATS: 'no free seats',
      MAX_ACTIVE: 'max active',
      CORE_SLOW: 'slow core',
      EMPTY: 'nobody waiting',
    } satisfies Record<Exclude<HeldBack, null>, string>,
    nothingHeldBack: 'nothing',
    lineChart: 'Waiting and active',
    flowChart: 'Admitted and abandoned per minute',
    rateChart: 'Admission per tick: effective and configured',
    latencyChart: 'Core p95 and the target (ms)',
    waitingSeries: 'waiting',
    activeSeries: 'active',
    admittedSeries: 'admitted',
    abandonedSeries: 'abandoned',
    effectiveSeries: 'effective',
    configuredSeries: 'configured',
    p95Series: 'p95',
    targetSeries: 'target',
    time: 'Time',
    modes: { fifo: 'fifo', random: 'random', passthrough: 'passthrough', reject: 'reject' },
    yes: 'yes',
    no: 'no',
    ms: (n: string) => `${n} ms`,
    concerts: (n: number, seconds: number) => `${plural(n, 'concert', 'concerts')} · refreshed every ${seconds} s`,
    refused: 'The admin token was not accepted. Please enter it again.',
    notRefreshed: (why: string) => `Could not refresh: ${why}`,
    notLoaded: (why: string) => `The dashboard could not load: ${why}`,
    confirmTitle: 'Apply these settings?',
    cancel: 'Cancel',
    confirmApply: 'Apply',
  },
  {
    tagline: '운영자 대시보드',
    title: 'Rushgate · 운영',
    language: '언어',
    signIn: '로그인',
    adminToken: '관리자 토큰',
    open: '대시보드 열기',
    settingsOf: (concert: string) => `${concert} 설정`,
    noLimit: '제한 없음',
    isoOrEmpty: 'ISO 시각, 또는 비워 두기',
    paused: '일시 정지',
    admitPerTick: '틱당 입장 인원',
    maxActive: '최대 활성 인원',
    mode: '방식',
    opensAt: '판매 시작',
    adaptive: '자동 입장 조절',
    targetLatencyMs: '목표 p95(ms)',
    apply: '설정 적용',
    unchanged: '적용할 것이 없습니다: 설정이 바뀌지 않았습니다.',
    notApplied: (why: string) => `설정이 적용되지 않았습니다: ${why}`,
    state: '상태',
    waiting: '대기',
    active: '활성',
    wait: '지금 참가 시 대기 시간',
    seconds: (n: string) => `${n}초`,
    held: '선점 좌석',
    sold: '판매 좌석',
    available: '남은 좌석',
    revenue: '매출',
    heldBack: '입장 제한 이유',
    effective: '틱당 최대 입장',
    coreP95: '코어 p95',
    none: '—',
    reasons: {
      REBUILDING: '대기 순번 복구 중',
      PREQUEUE: '판매 전',
      PAUSED: '일시 정지',
      SOLD_OUT: '매진',
      NO_SEATS: '남은 좌석 없음',
      MAX_ACTIVE: '최대 활성 인원',
      CORE_SLOW: '코어 지연',
      EMPTY: '대기자 없음',
    },
    nothingHeldBack: '없음',
    lineChart: '대기와 활성',
    flowChart: '분당 입장과 이탈',
    rateChart: '틱당 입장: 실제와 설정',
    latencyChart: '코어 p95와 목표(ms)',
    waitingSeries: '대기',
    activeSeries: '활성',
    admittedSeries: '입장',
    abandonedSeries: '이탈',
    effectiveSeries: '실제',
    configuredSeries: '설정',
    p95Series: 'p95',
    targetSeries: '목표',
    time: '시각',
    modes: { fifo: '선착순', random: '무작위 추첨', passthrough: '바로 입장', reject: '참가 거부' },
    yes: '예',
    no: '아니요',
    ms: (n: string) => `${n}ms`,
    concerts: (n: number, seconds: number) => `공연 ${formatCount(n)}개 · ${seconds}초마다 새로 고침`,
    refused: '관리자 토큰이 받아들여지지 않았습니다. 다시 입력해 주세요.',
    notRefreshed: (why: string) => `새로 고치지 못했습니다: ${why}`,
    notLoaded: (why: string) => `대시보드를 불러오지 못했습니다: ${why}`,
    confirmTitle: '이 설정을 적용할까요?',
    cancel: '취소',
    confirmApply: '적용',
  },
)

const TOKEN_KEY = 'rushgate.adminToken'
const REFRESH_MS = 5000
const root = document.getElementById('app')!
const notice = document.getElementById('notice')!
const confirmDialog = document.getElementById('confirm') as HTMLDialogElement
const confirmBody = document.getElementById('confirm-body')!
let timer: ReturnType<typeof setTimeout> | null = null

interface Sample {
  at: string
  waiting: number
  active: number
  admitted: number
  abandoned: number
  effectiveAdmitPerTick: number
  coreP95Ms: number | null
}

/** The admin view of a line, as the dashboard reads it. */
interface Line {
  state: string
  waiting: number
  active: number
  paused: boolean
  admitPerTick: number
  maxActive: number | null
  mode: string
  opensAt: string | null
  seatsAvailable: number | null
  seatsHeld: number | null
  heldBack: HeldBack
  adaptive: boolean
  targetLatencyMs: number
  effectiveAdmitPerTick: number
  coreP95Ms: number | null
}

/** The settings the form changes, with their words. */
type Setting = 'paused' | 'admitPerTick' | 'maxActive' | 'mode' | 'opensAt' | 'adaptive' | 'targetLatencyMs'

class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY) ?? ''
  const res = await fetch(path, {
    ...init,
    headers: { authorization: `Bearer ${token}`, ...(init.body ? { 'content-type': 'application/json' } : {}) },
  })
  const body = await res.json().catch(() => ({}))
  if (!res.ok) throw new Refused(res.status, (body as { message?: string }).message ?? `answered ${res.status}`)
  return body as T
}

function say(text: string): void {
  notice.textContent = text
}

function askToken(message = ''): void {
  if (timer) clearTimeout(timer)
  say(message)
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', required: true })
  const form = h(
    'form',
    { class: 'card' },
    h('h2', {}, w.signIn),
    h('label', { for: 'token' }, w.adminToken),
    input,
    h('div', { class: 'row' }, h('button', { class: 'button', type: 'submit' }, w.open)),
  )
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    sessionStorage.setItem(TOKEN_KEY, input.value)
    void open()
  })
  root.replaceChildren(form)
  input.focus()
}

/** Admitted and abandoned summed per minute; gauges as the minute's last sample left them. */
function perMinute(samples: Sample[]): number[][] {
  const minutes = new Map<number, { admitted: number; abandoned: number }>()
  for (const s of samples) {
    const m = Math.floor(Date.parse(s.at) / 60_000) * 60
    const b = minutes.get(m) ?? { admitted: 0, abandoned: 0 }
    b.admitted += s.admitted
    b.abandoned += s.abandoned
    minutes.set(m, b)
  }
  const keys = [...minutes.keys()].sort((a, b) => a - b)
  return [keys, keys.map((k) => minutes.get(k)!.admitted), keys.map((k) => minutes.get(k)!.abandoned)]
}

/** A chart as wide as its card allows (at most 520 px): on a phone it takes the card's width. */
const chartWidth = (into: HTMLElement) =>
  Math.max(200, Math.min(520, Math.floor((into.parentElement ?? into).getBoundingClientRect().width) || 520))

function chart(title: string, series: { label: string; stroke: string; dash?: number[] }[], data: (number | null)[][], into: HTMLElement, old?: uPlot): uPlot {
  if (old) {
    old.setData(data as uPlot.AlignedData)
    const width = chartWidth(into)
    if (width !== old.width) old.setSize({ width, height: old.height })
    return old
  }
  return new uPlot(
    {
      title,
      width: chartWidth(into),
      height: 220,
      // From the data itself: uPlot stretches a single sample's axis over a whole day. Times in the
      // page's language and the viewer's zone (uPlot's own are English).
      scales: { x: { time: true, range: (u) => spanOf(u.data[0] as number[]) } },
      series: [{ label: w.time, value: (_u, v) => (v == null ? '--' : formatTimeOfDay(v * 1000)) }, ...series.map((s) => ({ ...s, width: 2 }))],
      axes: [{ space: 90, values: (_u, splits) => splits.map((v) => formatTimeOfDay(v * 1000)) }, {}],
    },
    data as uPlot.AlignedData,
    into,
  )
}

/** The first to the last time, or two minutes around a single one. */
function spanOf(times: number[]): uPlot.Range.MinMax {
  const first = times[0] ?? Date.now() / 1000
  const last = times[times.length - 1] ?? first
  return first === last ? [first - 60, last + 60] : [first, last]
}

/** A setting's value in words, as the form and the confirmation show it. */
function inWords(setting: Setting, value: unknown): string {
  if (value === null || value === undefined || value === '') return setting === 'maxActive' ? w.noLimit : w.none
  switch (setting) {
    case 'paused':
    case 'adaptive':
      return value ? w.yes : w.no
    case 'mode':
      return w.modes[value as keyof typeof w.modes] ?? String(value)
    case 'opensAt':
      return formatDate(String(value))
    case 'targetLatencyMs':
      return w.ms(formatCount(Number(value)))
    default:
      return formatCount(Number(value))
  }
}

/** `Admit per tick: 7 → 50`, one line per change. */
function describeChanges(patch: Partial<Record<Setting, unknown>>, current: Partial<Record<Setting, unknown>>): string[] {
  return (Object.keys(patch) as Setting[]).map((k) => `${w[k]}: ${inWords(k, current[k])} → ${inWords(k, patch[k])}`)
}

interface ConcertCard {
  el: HTMLElement
  refresh(): Promise<void>
}

function concertCard(concert: { id: number; title: string }): ConcertCard {
  const figures = h('dl', { class: 'figures' })
  const charts = h('div', { class: 'charts' })
  const lineChart = h('div', { 'data-chart': 'line' })
  const flowChart = h('div', { 'data-chart': 'flow' })
  const rateChart = h('div', { 'data-chart': 'rate' })
  const latencyChart = h('div', { 'data-chart': 'latency' })
  charts.append(lineChart, flowChart, rateChart, latencyChart)
  const plots: { line?: uPlot; flow?: uPlot; rate?: uPlot; latency?: uPlot } = {}
  const paused = h('input', { type: 'checkbox', name: 'paused' })
  const admitPerTick = h('input', { type: 'number', name: 'admitPerTick', min: 0, max: 100000 })
  const maxActive = h('input', { type: 'number', name: 'maxActive', min: 1, placeholder: w.noLimit })
  const mode = h('select', { name: 'mode' }, ...Object.entries(w.modes).map(([m, name]) => h('option', { value: m }, name)))
  const opensAt = h('input', { type: 'text', name: 'opensAt', placeholder: w.isoOrEmpty })
  const adaptive = h('input', { type: 'checkbox', name: 'adaptive' })
  const targetLatencyMs = h('input', { type: 'number', name: 'targetLatencyMs', min: 50, max: 10000 })
  const form = h(
    'form',
    { class: 'settings', 'aria-label': w.settingsOf(concert.title) },
    h('label', {}, w.paused, paused),
    h('label', {}, w.admitPerTick, admitPerTick),
    h('label', {}, w.maxActive, maxActive),
    h('label', {}, w.mode, mode),
    h('label', {}, w.opensAt, opensAt),
    h('label', {}, w.adaptive, adaptive),
    h('label', {}, w.targetLatencyMs, targetLatencyMs),
    h('button', { class: 'button', type: 'submit' }, w.apply),
  )
  let editing = false
  /** The line's settings as last read. */
  let current: Partial<Record<Setting, unknown>> = {}
  form.addEventListener('input', () => {
    editing = true
  })
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const wanted: Record<Setting, unknown> = {
      paused: paused.checked,
      admitPerTick: Number(admitPerTick.value),
      maxActive: maxActive.value === '' ? null : Number(maxActive.value),
      mode: mode.value,
      opensAt: opensAt.value.trim() === '' ? null : new Date(opensAt.value.trim()).toISOString(),
      adaptive: adaptive.checked,
      targetLatencyMs: Number(targetLatencyMs.value),
    }
    // Only what changed: opensAt, say, may not be sent at all once the line has opened.
    const patch = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => v !== current[k as Setting])) as Partial<Record<Setting, unknown>>
    if (Object.keys(patch).length === 0) {
      say(w.unchanged)
      return
    }
    confirmBody.replaceChildren(h('p', {}, concert.title), h('ul', {}, ...describeChanges(patch, current).map((line) => h('li', {}, line))))
    confirmDialog.returnValue = ''
    confirmDialog.showModal()
    confirmDialog.addEventListener(
      'close',
      () => {
        if (confirmDialog.returnValue !== 'apply') return
        api(`/api/admin/queues/${concert.id}`, { method: 'PATCH', body: JSON.stringify(patch) })
          .then(() => {
            editing = false
            say('')
            return card.refresh()
          })
          .catch((err: Error) => say(w.notApplied(err.message)))
      },
      { once: true },
    )
  })
  const el = h('article', { class: 'card', 'aria-label': concert.title, 'data-concert': concert.id }, h('h2', {}, concert.title), figures, charts, form)
  const card: ConcertCard = {
    el,
    async refresh() {
      const [history, line, view, sales] = await Promise.all([
        api<Sample[]>(`/api/admin/queues/${concert.id}/history?minutes=60`),
        api<Line>(`/api/admin/queues/${concert.id}`),
        api<{ estimatedWaitSeconds: number }>(`/api/queues/${concert.id}`),
        api<{ revenue: number; schedules: { held: number; sold: number }[] }>(`/api/admin/concerts/${concert.id}/sales`),
      ])
      const held = sales.schedules.reduce((n, s) => n + s.held, 0)
      const sold = sales.schedules.reduce((n, s) => n + s.sold, 0)
      const figure = (label: string, value: string, key: string) => h('div', {}, h('dt', {}, label), h('dd', { 'data-figure': key }, value))
      const count = (n: number | null) => (n === null ? w.none : formatCount(n))
      figures.replaceChildren(
        figure(w.state, String(line.state), 'state'),
        figure(w.waiting, formatCount(line.waiting), 'waiting'),
        figure(w.active, formatCount(line.active), 'active'),
        figure(w.wait, w.seconds(formatCount(view.estimatedWaitSeconds)), 'wait'),
        figure(w.heldBack, line.heldBack === null ? w.nothingHeldBack : w.reasons[line.heldBack], 'held-back'),
        figure(w.available, count(line.seatsAvailable), 'available'),
        figure(w.held, formatCount(held), 'held'),
        figure(w.sold, formatCount(sold), 'sold'),
        figure(w.revenue, formatWon(sales.revenue), 'revenue'),
        figure(w.effective, `${formatCount(line.effectiveAdmitPerTick)} / ${formatCount(line.admitPerTick)}`, 'effective'),
        figure(w.coreP95, line.coreP95Ms === null ? w.none : w.ms(formatCount(line.coreP95Ms)), 'core-p95'),
      )
      const times = history.map((s) => Date.parse(s.at) / 1000)
      plots.line = chart(
        w.lineChart,
        [
          { label: w.waitingSeries, stroke: '#2643c7' },
          { label: w.activeSeries, stroke: '#1e7b45' },
        ],
        [times, history.map((s) => s.waiting), history.map((s) => s.active)],
        lineChart,
        plots.line,
      )
      plots.flow = chart(
        w.flowChart,
        [
          { label: w.admittedSeries, stroke: '#1e7b45' },
          { label: w.abandonedSeries, stroke: '#b3261e' },
        ],
        perMinute(history),
        flowChart,
        plots.flow,
      )
      // The configured rate and the target as they are set now: the lines the others are read against.
      plots.rate = chart(
        w.rateChart,
        [
          { label: w.effectiveSeries, stroke: '#2643c7' },
          { label: w.configuredSeries, stroke: '#5b6475', dash: [6, 4] },
        ],
        [times, history.map((s) => s.effectiveAdmitPerTick), history.map(() => line.admitPerTick)],
        rateChart,
        plots.rate,
      )
      plots.latency = chart(
        w.latencyChart,
        [
          { label: w.p95Series, stroke: '#b3261e' },
          { label: w.targetSeries, stroke: '#5b6475', dash: [6, 4] },
        ],
        [times, history.map((s) => s.coreP95Ms), history.map(() => line.targetLatencyMs)],
        latencyChart,
        plots.latency,
      )
      current = { ...line, opensAt: line.opensAt === null ? null : new Date(line.opensAt).toISOString() }
      if (!editing) {
        paused.checked = line.paused
        admitPerTick.value = String(line.admitPerTick)
        maxActive.value = line.maxActive === null ? '' : String(line.maxActive)
        mode.value = line.mode
        opensAt.value = line.opensAt ?? ''
        adaptive.checked = line.adaptive
        targetLatencyMs.value = String(line.targetLatencyMs)
      }
    },
  }
  return card
}

async function open(): Promise<void> {
  try {
    // The list is public: ask a line's settings first, so a wrong token is said at once.
    const concerts = await api<{ id: number; title: string }[]>('/api/concerts')
    if (concerts[0]) await api(`/api/admin/queues/${concerts[0].id}`)
    say('')
    const cards = concerts.map(concertCard)
    root.replaceChildren(h('p', {}, w.concerts(concerts.length, REFRESH_MS / 1000)), ...cards.map((c) => c.el))
    const tick = async () => {
      try {
        await Promise.all(cards.map((c) => c.refresh()))
      } catch (err) {
        if (err instanceof Refused && err.status === 401) return askToken(w.refused)
        say(w.notRefreshed((err as Error).message))
      }
      timer = setTimeout(() => void tick(), REFRESH_MS)
    }
    await tick()
  } catch (err) {
    if (err instanceof Refused && err.status === 401) askToken(w.refused)
    else say(w.notLoaded((err as Error).message))
  }
}

// The confirmation dialog is written in admin.html: its words too.
dressPage(w, { '#confirm-title': w.confirmTitle, '#confirm [value="cancel"]': w.cancel, '#confirm-apply': w.confirmApply })
if (sessionStorage.getItem(TOKEN_KEY)) void open()
else askToken()

/**
 * The operators' dashboard at /admin: asks for the admin token (kept for the tab in
 * sessionStorage), then per concert the line over the last hour as uPlot charts (waiting and
 * active; admitted and abandoned per minute) from the history route, the wait of someone joining
 * now, seats and revenue from the sales report, and the line's settings, changed after a
 * confirmation. Everything refreshes every few seconds.
 */
import uPlot from 'uplot'
import { h } from '../dom.ts'
import { formatCount, formatTimeOfDay, formatWon } from '../format.ts'
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
    revenue: 'Revenue',
    lineChart: 'Waiting and active',
    flowChart: 'Admitted and abandoned per minute',
    waitingSeries: 'waiting',
    activeSeries: 'active',
    admittedSeries: 'admitted',
    abandonedSeries: 'abandoned',
    time: 'Time',
    modes: { fifo: 'fifo', random: 'random', passthrough: 'passthrough', reject: 'reject' },
    concerts: (n: string, seconds: number) => `${n} concerts · refreshed every ${seconds} s`,
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
    revenue: '매출',
    lineChart: '대기와 활성',
    flowChart: '분당 입장과 이탈',
    waitingSeries: '대기',
    activeSeries: '활성',
    admittedSeries: '입장',
    abandonedSeries: '이탈',
    time: '시각',
    modes: { fifo: '선착순', random: '무작위 추첨', passthrough: '바로 입장', reject: '참가 거부' },
    concerts: (n: string, seconds: number) => `공연 ${n}개 · ${seconds}초마다 새로 고침`,
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
}

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

function chart(title: string, series: { label: string; stroke: string }[], data: number[][], into: HTMLElement, old?: uPlot): uPlot {
  if (old) {
    old.setData(data as uPlot.AlignedData)
    return old
  }
  return new uPlot(
    {
      title,
      width: 520,
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

interface ConcertCard {
  el: HTMLElement
  refresh(): Promise<void>
}

function concertCard(concert: { id: number; title: string }): ConcertCard {
  const figures = h('dl', { class: 'figures' })
  const charts = h('div', { class: 'charts' })
  const lineChart = h('div', { 'data-chart': 'line' })
  const flowChart = h('div', { 'data-chart': 'flow' })
  charts.append(lineChart, flowChart)
  const plots: { line?: uPlot; flow?: uPlot } = {}
  const paused = h('input', { type: 'checkbox', name: 'paused' })
  const admitPerTick = h('input', { type: 'number', name: 'admitPerTick', min: 0, max: 100000 })
  const maxActive = h('input', { type: 'number', name: 'maxActive', min: 1, placeholder: w.noLimit })
  const mode = h('select', { name: 'mode' }, ...Object.entries(w.modes).map(([m, name]) => h('option', { value: m }, name)))
  const opensAt = h('input', { type: 'text', name: 'opensAt', placeholder: w.isoOrEmpty })
  const form = h(
    'form',
    { class: 'settings', 'aria-label': w.settingsOf(concert.title) },
    h('label', {}, w.paused, paused),
    h('label', {}, w.admitPerTick, admitPerTick),
    h('label', {}, w.maxActive, maxActive),
    h('label', {}, w.mode, mode),
    h('label', {}, w.opensAt, opensAt),
    h('button', { class: 'button', type: 'submit' }, w.apply),
  )
  let editing = false
  /** The line's settings as last read. */
  let current: Record<string, unknown> = {}
  form.addEventListener('input', () => {
    editing = true
  })
  form.addEventListener('submit', (e) => {
    e.preventDefault()
    const wanted: Record<string, unknown> = {
      paused: paused.checked,
      admitPerTick: Number(admitPerTick.value),
      maxActive: maxActive.value === '' ? null : Number(maxActive.value),
      mode: mode.value,
      opensAt: opensAt.value.trim() === '' ? null : new Date(opensAt.value.trim()).toISOString(),
    }
    // Only what changed: opensAt, say, may not be sent at all once the line has opened.
    const patch = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => v !== current[k]))
    if (Object.keys(patch).length === 0) {
      say(w.unchanged)
      return
    }
    confirmBody.textContent = `${concert.title}\n${JSON.stringify(patch, null, 2)}`
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
        api<Record<string, unknown>>(`/api/admin/queues/${concert.id}`),
        api<{ estimatedWaitSeconds: number }>(`/api/queues/${concert.id}`),
        api<{ revenue: number; schedules: { held: number; sold: number }[] }>(`/api/admin/concerts/${concert.id}/sales`),
      ])
      const held = sales.schedules.reduce((n, s) => n + s.held, 0)
      const sold = sales.schedules.reduce((n, s) => n + s.sold, 0)
      const figure = (label: string, value: string, key: string) => h('div', {}, h('dt', {}, label), h('dd', { 'data-figure': key }, value))
      figures.replaceChildren(
        figure(w.state, String(line.state), 'state'),
        figure(w.waiting, formatCount(line.waiting as number), 'waiting'),
        figure(w.active, formatCount(line.active as number), 'active'),
        figure(w.wait, w.seconds(formatCount(view.estimatedWaitSeconds)), 'wait'),
        figure(w.held, formatCount(held), 'held'),
        figure(w.sold, formatCount(sold), 'sold'),
        figure(w.revenue, formatWon(sales.revenue), 'revenue'),
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
      current = { ...line, opensAt: line.opensAt === null ? null : new Date(line.opensAt as string).toISOString() }
      if (!editing) {
        paused.checked = line.paused === true
        admitPerTick.value = String(line.admitPerTick)
        maxActive.value = line.maxActive === null ? '' : String(line.maxActive)
        mode.value = String(line.mode)
        opensAt.value = (line.opensAt as string | null) ?? ''
      }
    },
  }
  void plots
  return card
}

async function open(): Promise<void> {
  try {
    // The list is public: ask a line's settings first, so a wrong token is said at once.
    const concerts = await api<{ id: number; title: string }[]>('/api/concerts')
    if (concerts[0]) await api(`/api/admin/queues/${concerts[0].id}`)
    say('')
    const cards = concerts.map(concertCard)
    root.replaceChildren(h('p', {}, w.concerts(formatCount(concerts.length), REFRESH_MS / 1000)), ...cards.map((c) => c.el))
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

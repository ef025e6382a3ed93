/**
 * The operators' dashboard at /admin: asks for the admin token (kept for the tab in
 * sessionStorage), then per concert the line over the last hour as uPlot charts (waiting and
 * active; admitted and abandoned per minute) from the history route, the wait of someone joining
 * now, seats and revenue from the sales report, and the line's settings, changed after a
 * confirmation. Everything refreshes every few seconds.
 */
import uPlot from 'uplot'
import { h } from '../dom.ts'

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
    h('h2', {}, 'Sign in'),
    h('label', { for: 'token' }, 'Admin token'),
    input,
    h('div', { class: 'row' }, h('button', { class: 'button', type: 'submit' }, 'Open the dashboard')),
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
    { title, width: 520, height: 220, series: [{}, ...series.map((s) => ({ ...s, width: 2 }))], axes: [{}, {}] },
    data as uPlot.AlignedData,
    into,
  )
}

interface ConcertCard {
  el: HTMLElement
  refresh(): Promise<void>
}

const number = new Intl.NumberFormat('en-US')

function concertCard(concert: { id: number; title: string }): ConcertCard {
  const figures = h('dl', { class: 'figures' })
  const charts = h('div', { class: 'charts' })
  const lineChart = h('div', { 'data-chart': 'line' })
  const flowChart = h('div', { 'data-chart': 'flow' })
  charts.append(lineChart, flowChart)
  const plots: { line?: uPlot; flow?: uPlot } = {}
  const paused = h('input', { type: 'checkbox', name: 'paused' })
  const admitPerTick = h('input', { type: 'number', name: 'admitPerTick', min: 0, max: 100000 })
  const maxActive = h('input', { type: 'number', name: 'maxActive', min: 1, placeholder: 'no limit' })
  const mode = h('select', { name: 'mode' }, ...['fifo', 'random', 'passthrough', 'reject'].map((m) => h('option', { value: m }, m)))
  const opensAt = h('input', { type: 'text', name: 'opensAt', placeholder: 'ISO time, or empty' })
  const form = h(
    'form',
    { class: 'settings', 'aria-label': `Settings of ${concert.title}` },
    h('label', {}, 'Paused', paused),
    h('label', {}, 'Admit per tick', admitPerTick),
    h('label', {}, 'Max active', maxActive),
    h('label', {}, 'Mode', mode),
    h('label', {}, 'Opens at', opensAt),
    h('button', { class: 'button', type: 'submit' }, 'Apply settings'),
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
      say('Nothing to apply: the settings are unchanged.')
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
          .catch((err: Error) => say(`The settings were not applied: ${err.message}`))
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
        figure('State', String(line.state), 'state'),
        figure('Waiting', number.format(line.waiting as number), 'waiting'),
        figure('Active', number.format(line.active as number), 'active'),
        figure('Wait if joining now', `${number.format(view.estimatedWaitSeconds)} s`, 'wait'),
        figure('Seats held', number.format(held), 'held'),
        figure('Seats sold', number.format(sold), 'sold'),
        figure('Revenue', `${number.format(sales.revenue)} won`, 'revenue'),
      )
      const times = history.map((s) => Date.parse(s.at) / 1000)
      plots.line = chart(
        'Waiting and active',
        [
          { label: 'waiting', stroke: '#2643c7' },
          { label: 'active', stroke: '#1e7b45' },
        ],
        [times, history.map((s) => s.waiting), history.map((s) => s.active)],
        lineChart,
        plots.line,
      )
      plots.flow = chart(
        'Admitted and abandoned per minute',
        [
          { label: 'admitted', stroke: '#1e7b45' },
          { label: 'abandoned', stroke: '#b3261e' },
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
    root.replaceChildren(h('p', {}, `${concerts.length} concerts · refreshed every ${REFRESH_MS / 1000} s`), ...cards.map((c) => c.el))
    const tick = async () => {
      try {
        await Promise.all(cards.map((c) => c.refresh()))
      } catch (err) {
        if (err instanceof Refused && err.status === 401) return askToken('The admin token was not accepted. Please enter it again.')
        say(`Could not refresh: ${(err as Error).message}`)
      }
      timer = setTimeout(() => void tick(), REFRESH_MS)
    }
    await tick()
  } catch (err) {
    if (err instanceof Refused && err.status === 401) askToken('The admin token was not accepted. Please enter it again.')
    else say(`The dashboard could not load: ${(err as Error).message}`)
  }
}

if (sessionStorage.getItem(TOKEN_KEY)) void open()
else askToken()

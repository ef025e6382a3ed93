/** The balance, and a form to charge it ("Charge", with an `Idempotency-Key` kept across retries). */
import { type Api, ApiFailure, newIdempotencyKey } from '../api.ts'
import { h, setText } from '../dom.ts'
import { formatWon } from '../format.ts'
import { describeFailure } from '../messages.ts'
import type { Notice } from './notice.ts'

/** One charge is 1..10,000,000 won (MAX_CHARGE in packages/shared). */
const MAX_CHARGE = 10_000_000

export interface BalancePanel {
  el: HTMLElement
  refresh(): Promise<void>
  set(balance: number): void
  /** Puts a suggested amount in the form and focuses it (after a payment fell short). */
  suggest(amount: number): void
}

export function createBalancePanel(api: Api, notice: Notice): BalancePanel {
  const amount = h('input', {
    id: 'charge-amount',
    name: 'amount',
    type: 'number',
    inputmode: 'numeric',
    min: 1,
    max: MAX_CHARGE,
    step: 1,
    required: true,
    value: 100000,
  })
  const shown = h('p', { class: 'balance', 'aria-live': 'polite', 'aria-atomic': 'true' }, 'Your balance: …')
  const submit = h('button', { type: 'submit', class: 'button' }, 'Charge')
  // The same charge retried after a lost answer reuses its key, so it is never counted twice.
  let pending: { amount: number; key: string } | null = null

  const set = (balance: number) => setText(shown, `Your balance: ${formatWon(balance)}`)

  const form = h(
    'form',
    {
      class: 'charge',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault()
        const value = Number(amount.value)
        if (!Number.isInteger(value) || value < 1 || value > MAX_CHARGE) {
          amount.setAttribute('aria-invalid', 'true')
          notice.show(`Please enter a whole number of won from 1 to ${formatWon(MAX_CHARGE)}.`)
          amount.focus()
          return
        }
        amount.removeAttribute('aria-invalid')
        if (pending?.amount !== value) pending = { amount: value, key: newIdempotencyKey() }
        submit.disabled = true
        try {
          const result = await api.charge(value, pending.key)
          pending = null
          set(result.balance)
          notice.show(`Charged ${formatWon(result.charged)}. Your balance is now ${formatWon(result.balance)}.`, 'success')
        } catch (error) {
          // A final answer (4xx) is kept by the server under this key: a new attempt needs a new key.
          if (error instanceof ApiFailure && error.status >= 400 && error.status < 500) pending = null
          notice.show(describeFailure(error))
        } finally {
          submit.disabled = false
        }
      },
    },
    h('label', { for: 'charge-amount' }, 'Amount to charge (won)'),
    h('div', { class: 'row' }, amount, submit),
  )

  return {
    el: h('section', { class: 'stack', 'aria-labelledby': 'balance-title' }, h('h3', { id: 'balance-title' }, 'Balance'), shown, form),
    set,
    async refresh() {
      try {
        set((await api.balance()).balance)
      } catch {
        setText(shown, 'Your balance could not be loaded just now.')
      }
    },
    suggest(value) {
      amount.value = String(Math.min(MAX_CHARGE, Math.max(1, value)))
      amount.focus()
    },
  }
}

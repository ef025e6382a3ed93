/** Asks for the user id (the default identity mode sends it as `X-User-Id`). */
import { h } from '../dom.ts'

/** The contract's user id: 1–64 characters of `[A-Za-z0-9_-]` (USER_ID_PATTERN in packages/shared). */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/

export function identityView(current: string | null, onDone: (userId: string) => void): HTMLElement {
  const input = h('input', {
    id: 'user-id',
    name: 'userId',
    autocomplete: 'username',
    required: true,
    maxlength: 64,
    pattern: '[A-Za-z0-9_\\-]{1,64}',
    'aria-describedby': 'user-id-hint',
    value: current ?? '',
  })
  const error = h('p', { id: 'user-id-error', class: 'field-error', 'aria-live': 'polite' })
  const form = h(
    'form',
    {
      class: 'card stack',
      novalidate: true,
      onsubmit: (ev) => {
        ev.preventDefault()
        const value = input.value.trim()
        if (!USER_ID.test(value)) {
          error.textContent = 'A user id is 1 to 64 letters, digits, "-" or "_".'
          input.setAttribute('aria-invalid', 'true')
          input.focus()
          return
        }
        onDone(value)
      },
    },
    h('h2', {}, 'Who are you?'),
    h('label', { for: 'user-id' }, 'Your user id'),
    input,
    h('p', { id: 'user-id-hint', class: 'hint' }, 'Letters, digits, "-" and "_", up to 64. It is kept in this browser.'),
    error,
    h('button', { type: 'submit', class: 'button primary' }, 'Continue'),
  )
  queueMicrotask(() => input.focus())
  return form
}

/** JWT mode without a usable token: the host site signs the user in, so the page can only say so. */
import { h } from '../dom.ts'

export function signedOutView(reason: 'none' | 'expired'): HTMLElement {
  return h(
    'section',
    { class: 'card stack', 'data-signed-out': reason },
    h('h2', {}, reason === 'expired' ? 'Please sign in again' : 'Sign in first'),
    h(
      'p',
      {},
      reason === 'expired'
        ? 'Your sign-in has run out. Go back to the site where you signed in and open the waiting room again: your place in line is kept for a while.'
        : 'This waiting room is opened from the site where you signed in, which passes your sign-in on to it. Please go back there and open it again.',
    ),
  )
}

/** The "give up my place / my turn" button, the same in the waiting room and in the active view. */
import type { Api } from '../api.ts'

export function bindLeave(
  button: HTMLButtonElement,
  args: { api: Api; concertId: number; token: string; stop: () => void; onLeave: () => void },
): void {
  button.addEventListener('click', async () => {
    button.disabled = true
    args.stop()
    try {
      await args.api.leaveQueue(args.concertId, args.token)
    } catch {
      // Already ended or unreachable: either way the user no longer wants this place.
    }
    args.onLeave()
  })
}

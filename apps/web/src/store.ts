/**
 * What the page remembers across reloads, in localStorage: the user id, and per user and concert the
 * queue token and the place the user started from (for the progress bar). Tokens are bound to a
 * user, so they are stored under the user id.
 */
const PREFIX = 'rushgate:'

function read(key: string): string | null {
  try {
    return localStorage.getItem(PREFIX + key)
  } catch {
    return null // storage disabled: the page still works, it just forgets on reload
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(PREFIX + key)
    else localStorage.setItem(PREFIX + key, value)
  } catch {
    // storage full or disabled: nothing to do
  }
}

export const store = {
  userId: (): string | null => read('user'),
  setUserId: (id: string | null) => write('user', id),

  token: (userId: string, concertId: number): string | null => read(`token:${userId}:${concertId}`),
  setToken: (userId: string, concertId: number, token: string | null) =>
    write(`token:${userId}:${concertId}`, token),

  startPosition: (token: string): number | null => {
    const value = Number(read(`start:${token}`))
    return Number.isInteger(value) && value > 0 ? value : null
  },
  setStartPosition: (token: string, position: number) => write(`start:${token}`, String(position)),

  /** The concert whose line the user was in, to come back to it after a reload. */
  currentConcert: (userId: string): number | null => {
    const value = Number(read(`current:${userId}`))
    return Number.isInteger(value) && value > 0 ? value : null
  },
  setCurrentConcert: (userId: string, concertId: number | null) =>
    write(`current:${userId}`, concertId === null ? null : String(concertId)),
}

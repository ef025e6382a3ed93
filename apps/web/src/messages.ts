/**
 * One clear sentence for every error code of the contract, written for the person in front of the
 * page rather than for a developer. Typed against `ErrorCode`, so a new code cannot be forgotten here.
 */
import type { ErrorCode, ExpiredReason } from '@rushgate/shared'
import { ApiFailure } from './api.ts'
import { formatClock, formatDate, formatWon, lang } from './format.ts'

type Body = Record<string, unknown>
type Sentence = string | ((body: Body, failure: ApiFailure) => string)

const num = (body: Body, key: string): number | null => (typeof body[key] === 'number' ? (body[key] as number) : null)

/** Why a place in line ended, as the 410's `reason` says. */
const EXPIRED_SENTENCES: Record<ExpiredReason, string> = {
  EXPIRED: 'Your time to buy has run out, so your place in line has ended. You can line up again.',
  PAID: 'Your turn ended with your payment. You can line up again for more.',
  LEFT: 'You left the line. You can line up again.',
  ABANDONED: 'Your place was given up because this page stopped asking for it. You can line up again, at the back.',
  REPLACED: 'You lined up again elsewhere, so this older place has ended.',
}

const sentences: Record<ErrorCode, Sentence> = {
  VALIDATION_ERROR: (_b, f) => `That was not accepted: ${f.message}`,
  UNAUTHENTICATED: 'You are not signed in, or your sign-in has run out. Please sign in again.',
  QUEUE_TOKEN_MISSING: 'You are not in the line for this concert yet. Please join the queue.',
  QUEUE_TOKEN_INVALID: 'Your place in line could not be recognised. Please line up again.',
  QUEUE_TOKEN_USER_MISMATCH: 'This place in line belongs to another user. Please line up again.',
  QUEUE_TOKEN_WRONG_CONCERT: 'This place in line is for another concert. Please line up again.',
  QUEUE_NOT_ACTIVE: (body) => {
    const position = num(body, 'position')
    return position === null
      ? 'It is not your turn yet. Please wait in line.'
      : `It is not your turn yet: you are number ${position} in line.`
  },
  PROOF_OF_WORK_REQUIRED: 'This line asks your browser to solve a short puzzle before you join. Please try again.',
  PROOF_OF_WORK_INVALID: 'The puzzle your browser solved was not accepted (it may have expired). Please try again.',
  NOT_FOUND: 'That page of the service does not exist.',
  CONCERT_NOT_FOUND: 'This concert no longer exists.',
  SCHEDULE_NOT_FOUND: 'This date no longer exists. Please choose another date.',
  SEAT_NOT_FOUND: 'This seat does not exist. Please choose another seat.',
  RESERVATION_NOT_FOUND: 'This hold could not be found. It may have been released.',
  PAYMENT_NOT_FOUND: 'This payment could not be found.',
  SEAT_UNAVAILABLE: 'Sorry, someone else has just taken this seat. Please choose another one.',
  HOLD_LIMIT_REACHED: 'You are already holding as many seats as you may. Pay for them or release one first.',
  TICKET_LIMIT_REACHED: (body) => {
    const limit = num(body, 'limit')
    return limit === null
      ? 'You already have as many tickets for this concert as one person may buy.'
      : `You already have as many tickets for this concert as one person may buy (${limit}).`
  },
  HOLD_EXPIRED: 'Your hold ran out before you paid, so the seat was released. Please hold it again.',
  HOLD_ALREADY_EXTENDED: 'This hold has already been extended once.',
  SCHEDULE_CLOSED: 'This show has already started, so its seats can no longer be held or refunded.',
  PAYMENT_REFUNDED: 'This payment has already been refunded.',
  QUEUE_CLOSED: 'This line is closed: it takes no new places.',
  NOT_OPEN_YET: 'The line has not opened yet.',
  ALREADY_OPEN: 'The line has already opened.',
  RESERVATION_PAID: 'Some of these seats are already paid for. Your seats have been refreshed.',
  INSUFFICIENT_BALANCE: (body) => {
    const balance = num(body, 'balance')
    const amount = num(body, 'amount')
    if (balance === null || amount === null) return 'Your balance is too low for these seats. Please charge it first.'
    return `Your balance is too low: these seats cost ${formatWon(amount)} and you have ${formatWon(balance)}. Charge at least ${formatWon(amount - balance)} and pay again.`
  },
  BALANCE_LIMIT: 'Your balance cannot go above 1,000,000,000 won. Please charge a smaller amount.',
  QUEUE_TOKEN_EXPIRED: (body) => EXPIRED_SENTENCES[body.reason as ExpiredReason] ?? EXPIRED_SENTENCES.EXPIRED,
  REQUEST_TIMEOUT: 'The request took too long. Please try again.',
  PAYLOAD_TOO_LARGE: 'That request was too large to send.',
  UNSUPPORTED_MEDIA_TYPE: 'That request could not be understood by the service.',
  IDEMPOTENCY_KEY_REUSED: 'This request clashed with an earlier one. Please try again.',
  RATE_LIMITED: (_b, f) =>
    f.retryAfterMs === null
      ? 'Too many requests at once. Please slow down a little.'
      : `Too many requests at once. Please wait ${formatClock(f.retryAfterMs)} before trying again.`,
  HEADERS_TOO_LARGE: 'Your browser sent too much data. Please clear this site’s data and reload.',
  INTERNAL_ERROR: 'Something went wrong on our side. Please try again.',
  UPSTREAM_UNAVAILABLE: 'The ticket service is busy or unreachable right now. Please try again in a moment.',
}

/** The Korean sentences; a code without one here falls back to English. */
const koreanSentences: Partial<Record<ErrorCode, Sentence>> = {
  VALIDATION_ERROR: (_b, f) => `요청이 받아들여지지 않았습니다: ${f.message}`,
  UNAUTHENTICATED: '로그인되어 있지 않거나 로그인이 만료되었습니다. 다시 로그인해 주세요.',
  QUEUE_TOKEN_MISSING: '아직 이 공연의 대기열에 있지 않습니다. 대기열에 참가해 주세요.',
  QUEUE_NOT_ACTIVE: '아직 차례가 아닙니다. 대기열에서 기다려 주세요.',
  CONCERT_NOT_FOUND: '이 공연은 더 이상 존재하지 않습니다.',
  SEAT_UNAVAILABLE: '죄송합니다. 방금 다른 분이 이 좌석을 선택했습니다. 다른 좌석을 골라 주세요.',
  HOLD_LIMIT_REACHED: '선점할 수 있는 좌석 수를 모두 채웠습니다. 결제하거나 하나를 해제해 주세요.',
  HOLD_EXPIRED: '결제 전에 선점 시간이 끝나 좌석이 해제되었습니다. 다시 선점해 주세요.',
  QUEUE_CLOSED: '이 대기열은 마감되어 새로 참가할 수 없습니다.',
  INSUFFICIENT_BALANCE: (body) => {
    const balance = num(body, 'balance')
    const amount = num(body, 'amount')
    if (balance === null || amount === null) return '잔액이 부족합니다. 먼저 충전해 주세요.'
    return `잔액이 부족합니다: 좌석 금액 ${formatWon(amount)}, 잔액 ${formatWon(balance)}. ${formatWon(amount - balance)} 이상 충전한 뒤 다시 결제해 주세요.`
  },
  QUEUE_TOKEN_EXPIRED: '대기 순서가 끝났습니다. 다시 줄을 설 수 있습니다.',
  RATE_LIMITED: '요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.',
  UPSTREAM_UNAVAILABLE: '지금은 예매 서비스가 혼잡하거나 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.',
  INTERNAL_ERROR: '서비스에 문제가 생겼습니다. 다시 시도해 주세요.',
}

/** The page's own words (not errors), in both languages. */
const UI = {
  tagline: { en: 'a fair line for concert tickets', ko: '공정한 공연 티켓 대기열' },
  concertsOnSale: { en: 'Concerts on sale', ko: '판매 중인 공연' },
  joinQueue: { en: 'Join the queue', ko: '대기열 참가' },
  lineClosed: { en: 'This line is closed: it takes no new places.', ko: '이 대기열은 마감되어 새로 참가할 수 없습니다.' },
  signedInAs: { en: 'Signed in as ', ko: '로그인: ' },
  switchUser: { en: 'Switch user', ko: '사용자 전환' },
  language: { en: 'Language', ko: '언어' },
  checkingBrowser: { en: 'Checking your browser', ko: '브라우저 확인 중' },
  puzzleExplained: {
    en: 'This line asks every browser to solve a short puzzle before it takes a place, to keep bots out. It takes a few seconds; please keep this page open.',
    ko: '봇을 막기 위해 이 대기열은 참가 전에 브라우저가 짧은 퍼즐을 풀도록 합니다. 몇 초 걸리니 이 페이지를 열어 두세요.',
  },
  puzzleProgress: { en: 'Puzzle progress', ko: '퍼즐 진행률' },
} satisfies Record<string, Record<'en' | 'ko', string>>

export function text(key: keyof typeof UI): string {
  return UI[key][lang]
}

export function salesOpenAt(iso: string): string {
  return lang === 'ko'
    ? `판매 시작: ${formatDate(iso)}. 그 전에 참가하면 사전 대기열에 들어가며, 순서는 판매 시작 때 추첨됩니다.`
    : `Sales open at ${formatDate(iso)}. Join before then to be in the pre-queue: its order is drawn at the opening.`
}

export function describeFailure(error: unknown): string {
  if (!(error instanceof ApiFailure)) return lang === 'ko' ? '페이지에 문제가 생겼습니다. 새로고침해 주세요.' : 'Something went wrong in the page. Please reload it.'
  const sentence = (lang === 'ko' ? koreanSentences[error.code as ErrorCode] : undefined) ?? sentences[error.code as ErrorCode]
  if (sentence === undefined) return `Something went wrong (${error.status || 'no answer'}). Please try again.`
  return typeof sentence === 'function' ? sentence(error.body, error) : sentence
}

/** Codes after which the place in line is gone and the user has to line up again. */
export const LINE_UP_AGAIN: ReadonlySet<string> = new Set<ErrorCode>([
  'QUEUE_TOKEN_EXPIRED',
  'QUEUE_TOKEN_INVALID',
  'QUEUE_TOKEN_USER_MISMATCH',
  'QUEUE_TOKEN_WRONG_CONCERT',
  'QUEUE_TOKEN_MISSING',
])

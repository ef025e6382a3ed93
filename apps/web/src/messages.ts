/**
 * One clear sentence for every error code of the contract, in English and Korean, written for the
 * person in front of the page rather than for a developer. Typed against `ErrorCode`, so a new code
 * cannot be forgotten here; and the words that several views share.
 */
import type { ErrorCode, ExpiredReason } from '@rushgate/shared'
import { ApiFailure } from './api.ts'
import { formatClock, formatCount, formatWon } from './format.ts'
import { lang, words } from './lang.ts'

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
  SOLD_OUT: 'Every ticket for this concert has been sold, so your place in line has ended.',
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
  SECTION_NOT_FOUND: 'This section does not exist. Please choose another section.',
  GRADE_NOT_FOUND: 'This grade does not exist. Please choose another grade.',
  RESERVATION_NOT_FOUND: 'This hold could not be found. It may have been released.',
  PAYMENT_NOT_FOUND: 'This payment could not be found.',
  SEAT_UNAVAILABLE: 'Sorry, someone else has just taken this seat. Please choose another one.',
  NOT_ENOUGH_SEATS: 'Sorry, there are not enough free places for your request. Try fewer places or another grade.',
  HOLD_LIMIT_REACHED: (body) => {
    const limit = num(body, 'limit')
    return limit === null
      ? 'You are already holding as many seats as you may. Pay for them or release one first.'
      : `You may hold at most ${limit} places at a time, counting those you just asked for. Pay for your holds, release one, or ask for fewer.`
  },
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
  SOLD_OUT: 'Every ticket for this concert has been sold.',
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

/** Why a place in line ended, in Korean. */
const KOREAN_EXPIRED: Record<ExpiredReason, string> = {
  EXPIRED: '구매 가능 시간이 끝나 대기 순서가 종료되었습니다. 다시 줄을 설 수 있습니다.',
  PAID: '결제와 함께 차례가 끝났습니다. 더 구매하려면 다시 줄을 설 수 있습니다.',
  LEFT: '대기열에서 나왔습니다. 다시 줄을 설 수 있습니다.',
  ABANDONED: '이 페이지가 응답하지 않아 자리가 취소되었습니다. 다시 줄을 설 수 있지만 맨 뒤에 서게 됩니다.',
  REPLACED: '다른 곳에서 다시 줄을 서서 이 이전 자리는 종료되었습니다.',
  SOLD_OUT: '이 공연의 티켓이 모두 판매되어 대기 순서가 종료되었습니다.',
}

/** The Korean sentences: every code of the contract, as for English. */
const koreanSentences: Record<ErrorCode, Sentence> = {
  VALIDATION_ERROR: (_b, f) => `요청이 받아들여지지 않았습니다: ${f.message}`,
  UNAUTHENTICATED: '로그인되어 있지 않거나 로그인이 만료되었습니다. 다시 로그인해 주세요.',
  QUEUE_TOKEN_MISSING: '아직 이 공연의 대기열에 있지 않습니다. 대기열에 참가해 주세요.',
  QUEUE_TOKEN_INVALID: '대기 순서를 확인할 수 없습니다. 다시 줄을 서 주세요.',
  QUEUE_TOKEN_USER_MISMATCH: '이 대기 순서는 다른 사용자의 것입니다. 다시 줄을 서 주세요.',
  QUEUE_TOKEN_WRONG_CONCERT: '이 대기 순서는 다른 공연의 것입니다. 다시 줄을 서 주세요.',
  QUEUE_NOT_ACTIVE: (body) => {
    const position = num(body, 'position')
    return position === null
      ? '아직 차례가 아닙니다. 대기열에서 기다려 주세요.'
      : `아직 차례가 아닙니다: 현재 대기 순서는 ${formatCount(position)}번입니다.`
  },
  PROOF_OF_WORK_REQUIRED: '이 대기열은 참가 전에 브라우저가 짧은 퍼즐을 풀도록 합니다. 다시 시도해 주세요.',
  PROOF_OF_WORK_INVALID: '브라우저가 푼 퍼즐이 받아들여지지 않았습니다(만료되었을 수 있습니다). 다시 시도해 주세요.',
  NOT_FOUND: '서비스에 없는 페이지입니다.',
  CONCERT_NOT_FOUND: '이 공연은 더 이상 존재하지 않습니다.',
  SCHEDULE_NOT_FOUND: '이 공연 일정은 더 이상 없습니다. 다른 날짜를 골라 주세요.',
  SEAT_NOT_FOUND: '없는 좌석입니다. 다른 좌석을 골라 주세요.',
  SECTION_NOT_FOUND: '없는 구역입니다. 다른 구역을 골라 주세요.',
  GRADE_NOT_FOUND: '없는 등급입니다. 다른 등급을 골라 주세요.',
  RESERVATION_NOT_FOUND: '선점 내역을 찾을 수 없습니다. 이미 해제되었을 수 있습니다.',
  PAYMENT_NOT_FOUND: '결제 내역을 찾을 수 없습니다.',
  SEAT_UNAVAILABLE: '죄송합니다. 방금 다른 분이 이 좌석을 선택했습니다. 다른 좌석을 골라 주세요.',
  NOT_ENOUGH_SEATS: '죄송합니다. 요청하신 만큼 남은 자리가 없습니다. 수를 줄이거나 다른 등급을 골라 주세요.',
  HOLD_LIMIT_REACHED: (body) => {
    const limit = num(body, 'limit')
    return limit === null
      ? '선점할 수 있는 좌석 수를 모두 채웠습니다. 결제하거나 하나를 해제해 주세요.'
      : `한 번에 최대 ${formatCount(limit)}석까지 선점할 수 있습니다(방금 요청한 좌석 포함). 결제하거나 하나를 해제하거나 더 적게 요청해 주세요.`
  },
  TICKET_LIMIT_REACHED: (body) => {
    const limit = num(body, 'limit')
    return limit === null
      ? '이 공연은 1인당 구매 가능한 매수를 이미 모두 채웠습니다.'
      : `이 공연은 1인당 구매 가능한 매수(${formatCount(limit)}매)를 이미 모두 채웠습니다.`
  },
  HOLD_EXPIRED: '결제 전에 선점 시간이 끝나 좌석이 해제되었습니다. 다시 선점해 주세요.',
  HOLD_ALREADY_EXTENDED: '이 선점은 이미 한 번 연장되었습니다.',
  SCHEDULE_CLOSED: '이미 시작한 공연이라 좌석을 선점하거나 환불할 수 없습니다.',
  PAYMENT_REFUNDED: '이미 환불된 결제입니다.',
  QUEUE_CLOSED: '이 대기열은 마감되어 새로 참가할 수 없습니다.',
  NOT_OPEN_YET: '대기열이 아직 열리지 않았습니다.',
  ALREADY_OPEN: '대기열이 이미 열렸습니다.',
  SOLD_OUT: '이 공연의 티켓이 모두 판매되었습니다.',
  RESERVATION_PAID: '이 중 일부 좌석은 이미 결제되었습니다. 좌석 정보를 새로 불러왔습니다.',
  INSUFFICIENT_BALANCE: (body) => {
    const balance = num(body, 'balance')
    const amount = num(body, 'amount')
    if (balance === null || amount === null) return '잔액이 부족합니다. 먼저 충전해 주세요.'
    return `잔액이 부족합니다: 좌석 금액 ${formatWon(amount)}, 잔액 ${formatWon(balance)}. ${formatWon(amount - balance)} 이상 충전한 뒤 다시 결제해 주세요.`
  },
  BALANCE_LIMIT: '잔액은 1,000,000,000원을 넘을 수 없습니다. 더 적은 금액을 충전해 주세요.',
  QUEUE_TOKEN_EXPIRED: (body) => KOREAN_EXPIRED[body.reason as ExpiredReason] ?? KOREAN_EXPIRED.EXPIRED,
  REQUEST_TIMEOUT: '요청 시간이 너무 오래 걸렸습니다. 다시 시도해 주세요.',
  PAYLOAD_TOO_LARGE: '보내기에는 너무 큰 요청입니다.',
  UNSUPPORTED_MEDIA_TYPE: '서비스가 이해할 수 없는 요청입니다.',
  IDEMPOTENCY_KEY_REUSED: '이전 요청과 겹쳤습니다. 다시 시도해 주세요.',
  RATE_LIMITED: (_b, f) =>
    f.retryAfterMs === null
      ? '요청이 너무 많습니다. 잠시 후 다시 시도해 주세요.'
      : `요청이 너무 많습니다. ${formatClock(f.retryAfterMs)} 후에 다시 시도해 주세요.`,
  HEADERS_TOO_LARGE: '브라우저가 너무 많은 데이터를 보냈습니다. 이 사이트의 데이터를 지우고 새로고침해 주세요.',
  INTERNAL_ERROR: '서비스에 문제가 생겼습니다. 다시 시도해 주세요.',
  UPSTREAM_UNAVAILABLE: '지금은 예매 서비스가 혼잡하거나 연결할 수 없습니다. 잠시 후 다시 시도해 주세요.',
}

/** The page's own words (not errors) that more than one view says. */
export const say = words(
  {
    tagline: 'a fair line for concert tickets',
    title: 'Rushgate · tickets',
    skip: 'Skip to content',
    language: 'Language',
    signedInAs: 'Signed in as ',
    switchUser: 'Switch user',
    tryAgain: 'Try again',
    lineUpAgain: 'Line up again',
    lineClosed: 'This line is closed: it takes no new places.',
    soldOut: 'Sold out: every ticket has been sold. A returned ticket reopens the line.',
    checkingBrowser: 'Checking your browser',
    puzzleExplained:
      'This line asks every browser to solve a short puzzle before it takes a place, to keep bots out. It takes a few seconds; please keep this page open.',
    puzzleProgress: 'Puzzle progress',
    leftLine: (title: string) => `You left the line for ${title}.`,
    idNotAccepted: 'Your user id was not accepted. Please enter it again.',
    retryingIn: (why: string, seconds: number) => `${why} Trying again in ${seconds} s.`,
    pageBroke: 'Something went wrong in the page. Please reload it.',
    unknownFailure: (status: string) => `Something went wrong (${status}). Please try again.`,
    noAnswer: 'no answer',
    seat: (n: number) => `Seat ${n}`,
    salesOpenAt: (when: string) => `Sales open at ${when}. Join before then to be in the pre-queue: its order is drawn at the opening.`,
  },
  {
    tagline: '공정한 공연 티켓 대기열',
    title: 'Rushgate · 티켓 예매',
    skip: '본문으로 건너뛰기',
    language: '언어',
    signedInAs: '로그인: ',
    switchUser: '사용자 전환',
    tryAgain: '다시 시도',
    lineUpAgain: '다시 줄 서기',
    lineClosed: '이 대기열은 마감되어 새로 참가할 수 없습니다.',
    soldOut: '매진: 티켓이 모두 판매되었습니다. 환불된 티켓이 생기면 대기열이 다시 열립니다.',
    checkingBrowser: '브라우저 확인 중',
    puzzleExplained: '봇을 막기 위해 이 대기열은 참가 전에 브라우저가 짧은 퍼즐을 풀도록 합니다. 몇 초 걸리니 이 페이지를 열어 두세요.',
    puzzleProgress: '퍼즐 진행률',
    leftLine: (title: string) => `${title} 대기열에서 나왔습니다.`,
    idNotAccepted: '사용자 ID가 받아들여지지 않았습니다. 다시 입력해 주세요.',
    retryingIn: (why: string, seconds: number) => `${why} ${seconds}초 후에 다시 시도합니다.`,
    pageBroke: '페이지에 문제가 생겼습니다. 새로고침해 주세요.',
    unknownFailure: (status: string) => `문제가 생겼습니다(${status}). 다시 시도해 주세요.`,
    noAnswer: '응답 없음',
    seat: (n: number) => `${n}번 좌석`,
    salesOpenAt: (when: string) => `판매 시작: ${when}. 그 전에 참가하면 사전 대기열에 들어가며, 순서는 판매 시작 때 추첨됩니다.`,
  },
)

export function describeFailure(error: unknown): string {
  if (!(error instanceof ApiFailure)) return say.pageBroke
  const sentence = (lang === 'ko' ? koreanSentences : sentences)[error.code as ErrorCode]
  if (sentence === undefined) return say.unknownFailure(error.status ? String(error.status) : say.noAnswer)
  return typeof sentence === 'function' ? sentence(error.body, error) : sentence
}

/** The concert sold out: a join refused for it, or a place in line ended by it (the sold-out screen, not an error). */
export function isSoldOut(error: unknown): boolean {
  return error instanceof ApiFailure && (error.code === 'SOLD_OUT' || (error.code === 'QUEUE_TOKEN_EXPIRED' && error.body.reason === 'SOLD_OUT'))
}

/** Codes after which the place in line is gone and the user has to line up again. */
export const LINE_UP_AGAIN: ReadonlySet<string> = new Set<ErrorCode>([
  'QUEUE_TOKEN_EXPIRED',
  'QUEUE_TOKEN_INVALID',
  'QUEUE_TOKEN_USER_MISMATCH',
  'QUEUE_TOKEN_WRONG_CONCERT',
  'QUEUE_TOKEN_MISSING',
])

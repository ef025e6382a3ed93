/** Schema pieces the gateway's routes add to the shared ones, for validation and the OpenAPI doc. */
import { ErrorResponse } from '@rushgate/shared'
import Type from 'typebox'

const { $id: _id, ...errorBody } = ErrorResponse as typeof ErrorResponse & { $id?: string }
/** The error body, inlined (the shared one carries an $id meant for registration). */
export const ErrorBody = errorBody

export const QueueTokenHeader = Type.Object({
  'x-queue-token': Type.Optional(Type.String({ description: 'the queue token of this concert' })),
})

export const IdempotencyHeader = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
})

export const errors = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { ...ErrorBody, description: 'error' }]))

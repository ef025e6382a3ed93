/** Health answers of both services. */
import Type, { type Static } from 'typebox'

export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Literal('ok'), Type.Literal('down')]))),
})

/** `GET /api/config`: what a browser client must know before it starts (how to say who the user is). */
export const ClientConfig = Type.Object({
  authMode: Type.Union([Type.Literal('header'), Type.Literal('jwt')], {
    description: '`header`: send `X-User-Id`; `jwt`: send `Authorization: Bearer <JWT>` (X-User-Id is ignored)',
  }),
})
export type ClientConfig = Static<typeof ClientConfig>

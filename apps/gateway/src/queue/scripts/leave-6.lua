--[[
  End a token on the user's request: leave the pre-queue or the line, or give up the active slot.

  KEYS[1] prequeue   ZSET userId scored by s: joined before the opening, not yet drawn
  KEYS[2] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[3] active     ZSET userId scored by expiry (epoch ms)
  KEYS[4] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[5] ended      BITFIELD u2 by s: why a turn ended (left, abandoned)
  KEYS[6] paid       STRING marker set when the turn (user, s) was ended by a payment

  ARGV[1] userId
  ARGV[2] s, the turn the token was issued for
  ARGV[3] now (epoch ms)

  Returns { 1, score } when the token was live and is now ended (and remembered as left); score is
  its place's score in `waiting` when it left the line (the replicas place the others without it,
  line-mirror.ts), else absent. Or
  { 0, reason } when it had already ended, with the reason (see endedReason in shared.lua). A
  token of an older turn never touches the user's newer one.
]]
local user = ARGV[1]
local s = tonumber(ARGV[2])

for _, key in ipairs({ KEYS[2], KEYS[1] }) do
  local score = redis.call('ZSCORE', key, user)
  if score and turnOf(score) == s then
    redis.call('ZREM', key, user)
    markEnded(KEYS[5], s, ENDED_LEFT)
    if key == KEYS[2] then
      return { 1, score }
    end
    return { 1 }
  end
end
local expiry = redis.call('ZSCORE', KEYS[3], user)
if expiry and tonumber(redis.call('HGET', KEYS[4], user)) == s then
  redis.call('ZREM', KEYS[3], user)
  redis.call('HDEL', KEYS[4], user)
  if tonumber(expiry) > tonumber(ARGV[3]) then
    markEnded(KEYS[5], s, ENDED_LEFT)
    return { 1 }
  end
end
return { 0, endedReason(KEYS[1], KEYS[2], KEYS[4], KEYS[5], KEYS[6], user, s) }

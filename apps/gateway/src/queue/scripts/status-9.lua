--[[
  The state of one queue token (its signature was already checked by the caller, so its user
  and its turn s can be believed).

  KEYS[1] prequeue   ZSET userId scored by s: joined before the opening, not yet drawn
  KEYS[2] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[3] active     ZSET userId scored by expiry (epoch ms)
  KEYS[4] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[5] settings   HASH of the line's settings
  KEYS[6] state      HASH abandonedTotal, departed, …
  KEYS[7] seen       BITFIELD u32 by s: when the turn last asked (presence)
  KEYS[8] ended      BITFIELD u2 by s: why a turn ended (left, abandoned)
  KEYS[9] paid       STRING marker set when the turn (user, s) was ended by a payment

  ARGV[1] userId
  ARGV[2] s, the turn the token was issued for
  ARGV[3] now (epoch ms)
  ARGV[4] default ghostAfterSeconds
  ARGV[5] '1': also answer the scores below (optional)

  Returns placeReply (shared.lua) for a live place, with ARGV[5] '1' and a 12th element for a
  waiting one: its score in `waiting` (as Redis writes it; line-mirror.ts places it from memory
  afterwards), or { reason, abandonedNow } for an ended one:
  reason PAID, SOLD_OUT, REPLACED, LEFT, ABANDONED or EXPIRED; abandonedNow is 1 when this very call found
  the place abandoned and ended it (then, with ARGV[5] '1', the score it had in `waiting`).

  The token is current when the user is in the pre-queue or the line with turn s, or active with
  activeSeq s. This script does not mark the user present: the caller batches that (presence.ts),
  so a poll stays one read-mostly script. A place not asked for in ghostAfterSeconds is ended here
  as it would be by the tick.
]]
local user = ARGV[1]
local s = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cfg = readSettings(KEYS[5])

-- Waiting first: most tokens polled are waiting ones. A user is in one of these at most.
local score = redis.call('ZSCORE', KEYS[2], user)
if score then
  if turnOf(score) == s then
    if isGhost(KEYS[7], s, cfg, ARGV[4], now) then
      abandon(KEYS[2], KEYS[8], KEYS[6], user, s)
      if ARGV[5] == '1' then
        return { 'ABANDONED', 1, score }
      end
      return { 'ABANDONED', 1 }
    end
    local place, position = placeOf(cfg, KEYS[2], user)
    local r = placeReply(KEYS[3], KEYS[6], cfg, 'WAITING', s, 0, position, place, 0)
    if ARGV[5] == '1' then
      r[12] = score
    end
    return r
  end
else
  local pre = redis.call('ZSCORE', KEYS[1], user)
  if pre then
    if tonumber(pre) == s then
      if isGhost(KEYS[7], s, cfg, ARGV[4], now) then
        abandon(KEYS[1], KEYS[8], KEYS[6], user, s)
        return { 'ABANDONED', 1 }
      end
      return placeReply(KEYS[3], KEYS[6], cfg, 'PREQUEUE', s, 0, 0, math.ceil(redis.call('ZCARD', KEYS[1]) / 2), 0)
    end
  else
    local expiry = redis.call('ZSCORE', KEYS[3], user)
    if expiry and tonumber(redis.call('HGET', KEYS[4], user)) == s then
      if tonumber(expiry) > now then
        return placeReply(KEYS[3], KEYS[6], cfg, 'ACTIVE', s, 0, 0, 0, tonumber(expiry))
      end
      -- Current but its time ran out: tidy up so the next enter starts a fresh turn.
      redis.call('ZREM', KEYS[3], user)
      redis.call('HDEL', KEYS[4], user)
    end
  end
end

return { endedReason(KEYS[1], KEYS[2], KEYS[4], KEYS[8], KEYS[9], user, s), 0 }

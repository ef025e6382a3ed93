--[[
  The state of one queue token (its signature was already checked by the caller, so its user
  and its turn s can be believed).

  KEYS[1] waiting    ZSET userId scored by arrival sequence number (s)
  KEYS[2] active     ZSET userId scored by expiry (epoch ms)
  KEYS[3] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[4] settings   HASH of the line's settings (read for admitPerTick only)
  KEYS[5] paid       STRING marker set when the turn (user, s) was ended by a payment

  ARGV[1] userId
  ARGV[2] s, the turn the token was issued for
  ARGV[3] now (epoch ms)

  Returns one of
    { 'ACTIVE', activeUntil (ms) }
    { 'WAITING', rank (0-based), admitPerTick | false }
    { 'PAID' }     the turn was ended by a successful payment
    { 'EXPIRED' }  ran out, left, replaced by a newer turn, or never current

  The token is current when the user waits with score s, or is active with activeSeq s.
]]
local user = ARGV[1]
local s = tonumber(ARGV[2])
local now = tonumber(ARGV[3])

-- Waiting first: most tokens polled are waiting ones. A user is never in both ZSETs at once.
local waiting = redis.call('ZSCORE', KEYS[1], user)
if waiting then
  if tonumber(waiting) == s then
    return { 'WAITING', redis.call('ZRANK', KEYS[1], user), redis.call('HGET', KEYS[4], 'admitPerTick') }
  end
else
  local expiry = redis.call('ZSCORE', KEYS[2], user)
  if expiry and tonumber(redis.call('HGET', KEYS[3], user)) == s then
    if tonumber(expiry) > now then
      return { 'ACTIVE', tonumber(expiry) }
    end
    -- Current but its time ran out: tidy up so the next enter starts a fresh turn.
    redis.call('ZREM', KEYS[2], user)
    redis.call('HDEL', KEYS[3], user)
  end
end

if redis.call('EXISTS', KEYS[5]) == 1 then
  return { 'PAID' }
end
return { 'EXPIRED' }

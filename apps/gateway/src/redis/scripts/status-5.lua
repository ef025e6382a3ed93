--[[
  The state of one queue token (its signature was already checked by the caller).

  KEYS[1] tokens    HASH userId -> current queue token
  KEYS[2] waiting   ZSET userId scored by arrival sequence
  KEYS[3] active    ZSET userId scored by expiry (epoch ms)
  KEYS[4] settings  HASH of the line's settings (read for admitPerTick only)
  KEYS[5] paid      STRING marker set when this token was ended by a payment

  ARGV[1] userId
  ARGV[2] the token presented
  ARGV[3] now (epoch ms)

  Returns one of
    { 'ACTIVE', activeUntil (ms) }
    { 'WAITING', rank (0-based), admitPerTick | false }
    { 'PAID' }     the token was ended by a successful payment
    { 'EXPIRED' }  ran out, left, replaced, or never current
]]
local user = ARGV[1]
local now = tonumber(ARGV[3])

if redis.call('HGET', KEYS[1], user) == ARGV[2] then
  local expiry = redis.call('ZSCORE', KEYS[3], user)
  if expiry then
    if tonumber(expiry) > now then
      return { 'ACTIVE', tonumber(expiry) }
    end
  else
    local rank = redis.call('ZRANK', KEYS[2], user)
    if rank then
      return { 'WAITING', rank, redis.call('HGET', KEYS[4], 'admitPerTick') }
    end
  end
  -- Current but neither live-active nor waiting: it ended; tidy up so the next enter is fresh.
  redis.call('ZREM', KEYS[3], user)
  redis.call('HDEL', KEYS[1], user)
end

if redis.call('EXISTS', KEYS[5]) == 1 then
  return { 'PAID' }
end
return { 'EXPIRED' }

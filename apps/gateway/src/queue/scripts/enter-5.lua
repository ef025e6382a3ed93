--[[
  Enter a user into a concert's waiting line, or hand back the place they already hold.

  KEYS[1] waiting    ZSET userId scored by arrival sequence number (s)
  KEYS[2] active     ZSET userId scored by expiry (epoch ms)
  KEYS[3] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[4] seq        INCR counter giving the arrival order
  KEYS[5] settings   HASH of the line's settings (read for admitPerTick only)

  ARGV[1] userId
  ARGV[2] now (epoch ms)

  Returns { s, created (0|1), 'WAITING' | 'ACTIVE', rank (0-based) | activeUntil (ms), admitPerTick | false }

  The caller signs { user, concert, s } into the token, so a user with a live turn gets the same
  s, hence the same token string and the same place. Nothing per user is stored besides the
  waiting ZSET entry. Atomic, so two concurrent enters of one user yield one turn. The order
  comes from INCR on Redis, so every replica agrees on it whatever its clock says.
]]
local user = ARGV[1]
local now = tonumber(ARGV[2])
local admitPerTick = redis.call('HGET', KEYS[5], 'admitPerTick')

local expiry = redis.call('ZSCORE', KEYS[2], user)
if expiry then
  local s = redis.call('HGET', KEYS[3], user)
  if s and tonumber(expiry) > now then
    return { s, 0, 'ACTIVE', tonumber(expiry), admitPerTick }
  end
  -- Active time ran out and no tick has cleaned up yet: that turn is over.
  redis.call('ZREM', KEYS[2], user)
  redis.call('HDEL', KEYS[3], user)
else
  local s = redis.call('ZSCORE', KEYS[1], user)
  if s then
    return { s, 0, 'WAITING', redis.call('ZRANK', KEYS[1], user), admitPerTick }
  end
end

local s = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[1], s, user)
return { tostring(s), 1, 'WAITING', redis.call('ZRANK', KEYS[1], user), admitPerTick }

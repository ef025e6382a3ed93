--[[
  Enter a user into a concert's waiting line, or hand back the place they already hold.

  KEYS[1] tokens    HASH userId -> current queue token
  KEYS[2] waiting   ZSET userId scored by arrival sequence
  KEYS[3] active    ZSET userId scored by expiry (epoch ms)
  KEYS[4] seq       INCR counter giving the arrival order
  KEYS[5] settings  HASH of the line's settings (read for admitPerTick only)

  ARGV[1] userId
  ARGV[2] the new token, used only when the user holds no live one
  ARGV[3] now (epoch ms)

  Returns { token, created (0|1), 'WAITING' | 'ACTIVE', rank (0-based) | activeUntil (ms), admitPerTick | false }

  Atomic, so two concurrent enters of one user yield one token and one place. The order comes
  from INCR on Redis, so every replica agrees on it whatever its clock says.
]]
local user = ARGV[1]
local now = tonumber(ARGV[3])
local admitPerTick = redis.call('HGET', KEYS[5], 'admitPerTick')

local current = redis.call('HGET', KEYS[1], user)
if current then
  local expiry = redis.call('ZSCORE', KEYS[3], user)
  if expiry then
    if tonumber(expiry) > now then
      return { current, 0, 'ACTIVE', tonumber(expiry), admitPerTick }
    end
    -- Active time ran out and no tick has cleaned up yet: the token is over.
    redis.call('ZREM', KEYS[3], user)
  else
    local rank = redis.call('ZRANK', KEYS[2], user)
    if rank then
      return { current, 0, 'WAITING', rank, admitPerTick }
    end
  end
end

local seq = redis.call('INCR', KEYS[4])
redis.call('ZADD', KEYS[2], seq, user)
redis.call('HSET', KEYS[1], user, ARGV[2])
return { ARGV[2], 1, 'WAITING', redis.call('ZRANK', KEYS[2], user), admitPerTick }

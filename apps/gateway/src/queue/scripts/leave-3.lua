--[[
  End a token on the user's request: leave the line or give up the active slot.

  KEYS[1] waiting    ZSET userId scored by arrival sequence number (s)
  KEYS[2] active     ZSET userId scored by expiry (epoch ms)
  KEYS[3] activeSeq  HASH userId -> s of the turn that made them active (active users only)

  ARGV[1] userId
  ARGV[2] s, the turn the token was issued for
  ARGV[3] now (epoch ms)

  Returns 1 when the token was live and is now ended, 0 when it had already ended (a token of
  an older turn never touches the user's newer one).
]]
local user = ARGV[1]
local s = tonumber(ARGV[2])

local waiting = redis.call('ZSCORE', KEYS[1], user)
if waiting and tonumber(waiting) == s then
  redis.call('ZREM', KEYS[1], user)
  return 1
end
local expiry = redis.call('ZSCORE', KEYS[2], user)
if expiry and tonumber(redis.call('HGET', KEYS[3], user)) == s then
  redis.call('ZREM', KEYS[2], user)
  redis.call('HDEL', KEYS[3], user)
  if tonumber(expiry) > tonumber(ARGV[3]) then return 1 end
end
return 0

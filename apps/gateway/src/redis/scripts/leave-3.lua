--[[
  End a token on the user's request: leave the line or give up the active slot.

  KEYS[1] tokens    HASH userId -> current queue token
  KEYS[2] waiting   ZSET userId scored by arrival sequence
  KEYS[3] active    ZSET userId scored by expiry (epoch ms)

  ARGV[1] userId
  ARGV[2] the token presented
  ARGV[3] now (epoch ms)

  Returns 1 when the token was live and is now ended, 0 when it had already ended.
]]
local user = ARGV[1]
if redis.call('HGET', KEYS[1], user) ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[1], user)
local wasWaiting = redis.call('ZREM', KEYS[2], user)
local expiry = redis.call('ZSCORE', KEYS[3], user)
redis.call('ZREM', KEYS[3], user)
if wasWaiting == 1 then return 1 end
if expiry and tonumber(expiry) > tonumber(ARGV[3]) then return 1 end
return 0

--[[
  End a turn after a successful payment: free the active slot at once and remember, for a day,
  that this turn was ended by a payment (a retried payment with the same token must get through).

  KEYS[1] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[2] active     ZSET userId scored by expiry (epoch ms)
  KEYS[3] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[4] paid       STRING marker of this (user, s)

  ARGV[1] userId
  ARGV[2] s, the turn the payment was made with
  ARGV[3] marker lifetime in seconds

  Returns 1 when the turn was still current (and is now ended), else 0 (a newer turn the user
  entered since is left alone).
]]
local user = ARGV[1]
local s = tonumber(ARGV[2])
redis.call('SET', KEYS[4], '1', 'EX', tonumber(ARGV[3]))
if tonumber(redis.call('HGET', KEYS[3], user)) == s then
  redis.call('HDEL', KEYS[3], user)
  redis.call('ZREM', KEYS[2], user)
  return 1
end
local waiting = redis.call('ZSCORE', KEYS[1], user)
if waiting and turnOf(waiting) == s then
  redis.call('ZREM', KEYS[1], user)
  return 1
end
return 0

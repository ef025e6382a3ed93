--[[
  End a token after a successful payment: free the active slot at once and remember, for a
  day, that this token was ended by a payment (a retried payment must still get through).

  KEYS[1] tokens    HASH userId -> current queue token
  KEYS[2] waiting   ZSET userId scored by arrival sequence
  KEYS[3] active    ZSET userId scored by expiry (epoch ms)
  KEYS[4] paid      STRING marker for this token's nonce

  ARGV[1] userId
  ARGV[2] the token the payment was made with
  ARGV[3] marker lifetime in seconds

  Returns 1 when the token was still current (and is now ended), else 0.
]]
redis.call('SET', KEYS[4], '1', 'EX', tonumber(ARGV[3]))
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return 1

--[[
  Add a replica's batch of requests to one rate-limit window shared by all replicas.

  KEYS[1] the counter of one user (or IP) in the current window

  ARGV[1] how many requests this replica counted since its last flush
  ARGV[2] the window length (ms)

  Returns { count in the window so far (all replicas), ms until the window resets }
]]
local count = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
  ttl = tonumber(ARGV[2])
end
return { count, ttl }

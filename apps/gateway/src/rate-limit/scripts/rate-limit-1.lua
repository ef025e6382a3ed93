--[[
  Add a replica's batch of counted requests to the current rate-limit window, shared by all
  replicas. One hash per fixed window holds every caller's count, so a whole batch is one command
  (and one key, so it works on a Redis Cluster too).

  KEYS[1] HASH of the window: field = caller (user or IP), value = requests in this window

  ARGV[1] lifetime of the hash in ms (it is dropped once its window is over)
  ARGV[2], ARGV[3], ... pairs of caller, requests to add

  Returns the callers' counts after the addition, in the order given.
]]
local counts = {}
for i = 2, #ARGV, 2 do
  counts[#counts + 1] = redis.call('HINCRBY', KEYS[1], ARGV[i], tonumber(ARGV[i + 1]))
end
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
end
return counts

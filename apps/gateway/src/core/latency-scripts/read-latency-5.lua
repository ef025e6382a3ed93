--[[
  What the admission tick reads of the core's latency for one concert: the summaries every
  gateway wrote for the last five windows, in one call.

  KEYS[1..5] the windows' HASHes: replica id -> summary (core/latency.ts)

  Returns { summaries of window 1, …, of window 5 }, each a flat list (HGETALL) of id, summary.
]]
return {
  redis.call('HGETALL', KEYS[1]),
  redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3]),
  redis.call('HGETALL', KEYS[4]),
  redis.call('HGETALL', KEYS[5]),
}

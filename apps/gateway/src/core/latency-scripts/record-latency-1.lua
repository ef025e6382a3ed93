--[[
  One gateway's summary of the requests it forwarded to the core for one concert in one window
  (a tick's span): written once per window, so the measurements of a replica cost Redis one call
  (two commands) per concert per tick, however many requests they count.

  KEYS[1] the window's HASH: replica id -> its summary (core/latency.ts)

  ARGV[1] the replica's id
  ARGV[2] its summary
  ARGV[3] how long the window is kept (ms): a tick reads the last five
]]
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1

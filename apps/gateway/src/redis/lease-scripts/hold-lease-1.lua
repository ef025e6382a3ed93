-- Takes a lease nobody holds, or renews the caller's own; never takes one another process holds.
-- Check and write are one script, so two replicas asking at once cannot both come away holding it.
--
-- KEYS[1]  the lease: a string holding its holder's id, expiring when not renewed
-- ARGV[1]  the caller's holder id (random per process)
-- ARGV[2]  how long the lease lasts from now (ms)
--
-- Returns 1 when the caller holds the lease for ARGV[2] ms from now, 0 when another process does.
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0

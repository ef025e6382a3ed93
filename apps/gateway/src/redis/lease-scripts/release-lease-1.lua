-- Gives the lease up if the caller holds it, so another process can take it at once; a lease
-- another process holds is left alone.
--
-- KEYS[1]  the lease
-- ARGV[1]  the caller's holder id
--
-- Returns 1 when the caller's lease was deleted, 0 otherwise.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0

--[[
  Begin (or rejoin) the opening of a line: from here on the pre-queue takes nobody new, opensAt
  can no longer change, and the caller may place the pre-queue (open-place-4.lua).

  KEYS[1] settings   HASH of the line's settings (opensAt)
  KEYS[2] state      HASH seed, seedCommitment, openedAt, opening, placed, openingBy

  ARGV[1] now (epoch ms)
  ARGV[2] who runs it (host:pid), for the operators' logs

  Returns { 'OPENED' } (it already happened), { 'NONE' } (no sale window with a draw),
  { 'NOT_YET' } (opensAt is still ahead), or { 'OPENING', seed (hex), placed } where placed is
  how many drawn places an earlier, interrupted run already placed (the caller goes on from there).

  Safe to run any number of times, from any replica, at once: it only ever sets the flag.
]]
local st = redis.call('HMGET', KEYS[2], 'openedAt', 'seed', 'placed')
if st[1] then
  return { 'OPENED' }
end
if not st[2] then
  return { 'NONE' }
end
local opensAt = redis.call('HGET', KEYS[1], 'opensAt')
if opensAt and tonumber(opensAt) > tonumber(ARGV[1]) then
  return { 'NOT_YET' }
end
redis.call('HSETNX', KEYS[2], 'openingAt', ARGV[1])
redis.call('HSET', KEYS[2], 'opening', 1, 'openingBy', ARGV[2])
return { 'OPENING', st[2], tonumber(st[3] or '0') }

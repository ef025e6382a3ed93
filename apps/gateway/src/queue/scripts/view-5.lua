--[[
  What the public view and the admin view of a line read, in one round trip.

  KEYS[1] prequeue   ZSET of the pre-queue
  KEYS[2] waiting    ZSET of the line
  KEYS[3] active     ZSET userId scored by expiry (epoch ms)
  KEYS[4] settings   HASH of the line's settings
  KEYS[5] state      HASH of the line's bookkeeping

  ARGV[1] now (epoch ms)

  Returns { prequeue count, waiting count, live active count, activeCount, departedLastMinute,
            expiry, settings, { openedAt, opening, seed, seedCommitment, admittedTotal,
            abandonedTotal, soldOut, datesOver, seatsAvailable, seatsHeld, heldBack,
            effectiveAdmitPerTick, coreP95Ms, rebuildUntil } } where the three inputs of the wait estimate are
  for someone joining now (see waitInputs in shared.lua). Read only.
]]
local cfg = readSettings(KEYS[4])
local prequeue = redis.call('ZCARD', KEYS[1])
local waiting = redis.call('ZCARD', KEYS[2])
local live = redis.call('ZCOUNT', KEYS[3], '(' .. ARGV[1], '+inf')
local place = waiting + 1
if cfg[F.mode] == 'random' then
  place = math.ceil(place / 2)
end
local activeCount, departed, expiry = waitInputs(KEYS[3], KEYS[5], cfg, place)
local st = redis.call(
  'HMGET', KEYS[5], 'openedAt', 'opening', 'seed', 'seedCommitment', 'admittedTotal', 'abandonedTotal',
  'soldOut', 'datesOver', 'seatsAvailable', 'seatsHeld', 'heldBack', 'effectiveAdmitPerTick', 'coreP95Ms',
  'rebuildUntil'
)
return { prequeue, waiting, live, activeCount, departed, expiry, cfg, st }

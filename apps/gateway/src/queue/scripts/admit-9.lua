--[[
  One admission tick for one concert.

  KEYS[1] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[2] active     ZSET userId scored by expiry (epoch ms)
  KEYS[3] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[4] settings   HASH of the line's settings
  KEYS[5] state      HASH lastTick, admittedTotal, abandonedTotal, admittingTicks, openedAt,
                     seedCommitment, activeAfter, depAt, dep0..dep5, departed; the stock as the
                     last read found it (seatsAvailable, seatsHeld, seatHolders, datesOver, soldOut,
                     soldOutSeq) and the admission's own figures (effectiveAdmitPerTick, coreP95Ms,
                     heldBack)
  KEYS[6] seen       BITFIELD u32 by s: when the turn last asked (presence)
  KEYS[7] ended      BITFIELD u2 by s: why a turn ended (left, abandoned, sold out)
  KEYS[8] seq        INCR counter of the arrival order (read: the highest turn when it sells out)
  KEYS[9] epoch      STRING the line's epoch (missing: the line's state is gone)

  ARGV[1] now (epoch ms)
  ARGV[2] the tick: the scheduled time (epoch ms) of the BullMQ job running it
  ARGV[3] default admitPerTick
  ARGV[4] default activeTtlSeconds
  ARGV[5] default ghostAfterSeconds
  ARGV[6] at most this many abandoned places skipped in one tick (bounds the script's run time)
  ARGV[7] '1': also answer the turns that left the line
  ARGV[8..11] the core's inventory read this tick: available, held, holders, dates; all '' when
          the read failed (the last one read is used, and the stock's state does not change)
  ARGV[12] coreP95Ms of the last 5 ticks, all gateways ('' when no request was measured)
  ARGV[13] errors among those requests (5xx, failed, timed out)
  ARGV[14] default targetLatencyMs
  ARGV[15] the active set's size read just before the inventory ('' when not read): see (e)

  Returns { admitted, expired, abandoned, turns, soldOut } where turns lists the s of every place
  that left the line (admitted or abandoned; the line's snapshot tells the replicas) and soldOut is
  1 while the concert is sold out (the caller then ends every live turn: sold-out-6.lua);
  { -1, 0, 0 } when this tick was already processed; { -2, 0, 0 } when the line's opening is due
  and has not happened: nothing was done, the caller runs the opening (opening.ts) and calls again
  with the same tick; { -3, 0, 0 } when the line's epoch is missing: nothing was done, the caller
  restores the line (line-restore.ts) and calls again. While the line is rebuilding its places
  after a loss (state rebuildUntil, REBUILD_GRACE_MS) nobody is admitted and no opening runs
  (heldBack REBUILDING); rebuilt active turns are active already.

  (a) the inventory read is kept: a concert with dates to come and nothing free or held is sold
  out from now (soldOutSeq: the highest turn then), one with every date begun is over (CLOSED);
  a place that comes back reopens it; (b) effectiveAdmitPerTick is computed: admitPerTick, or
  with `adaptive` halved (never below 1) when the window's p95 is above targetLatencyMs or holds an
  error, else raised by max(1, admitPerTick / 10) up to admitPerTick; (c) actives whose time ran
  out are dropped with their activeSeq entries, and the users who left the active set since the
  last tick are counted into six 10-second buckets (the leaving rate of the last minute, which the
  wait estimates use while maxActive binds); (d) before the opening, while paused and while sold
  out nobody is admitted; (e) else up to effectiveAdmitPerTick live users move to active, never
  past maxActive nor past the free places not spoken for (available - max(0, active - holders):
  an active user who holds nothing yet wants one of them; active is the larger of the count read
  before the inventory and the count now, because a payment leaves the holders in the core before
  its turn leaves the active set: with the count of now alone, each turn paid between the read
  and the tick would free a place twice): from the head of the line (lowest score
  first), or in random mode drawn uniformly from the whole line (ZRANDMEMBER); each keeps its s in
  activeSeq so its token stays current. A place not seen for ghostAfterSeconds is ended as
  abandoned on the way, without taking a slot. heldBack records what limited the tick, the first
  that applies: REBUILDING, PREQUEUE, PAUSED, SOLD_OUT, NO_SEATS, MAX_ACTIVE, CORE_SLOW, EMPTY (none: it
  admitted admitPerTick). A tick is processed at most once: a job retried or duplicated across
  replicas carries the same tick time and finds lastTick >= it.
]]
if redis.call('EXISTS', KEYS[9]) == 0 then
  return { -3, 0, 0 }
end
local now = tonumber(ARGV[1])
local tick = tonumber(ARGV[2])
local cfg = readSettings(KEYS[4])
local st = redis.call(
  'HMGET', KEYS[5], 'lastTick', 'openedAt', 'seedCommitment', 'activeAfter', 'depAt',
  'seatsAvailable', 'seatHolders', 'soldOut', 'effectiveAdmitPerTick', 'rebuildUntil'
)
local rebuilding = tonumber(st[10] or '0') > now

local drawPending = st[3] and not st[2]
if drawPending and not rebuilding and (not cfg[F.opensAt] or tonumber(cfg[F.opensAt]) <= now) then
  return { -2, 0, 0 }
end
if tick <= tonumber(st[1] or '-1') then
  return { -1, 0, 0 }
end
redis.call('HSET', KEYS[5], 'lastTick', ARGV[2])

-- (a) The stock. A failed read leaves everything as the last one found it.
local available = tonumber(st[6])
local holders = tonumber(st[7] or '0')
local soldOut = st[8] == '1'
if ARGV[8] ~= '' then
  available, holders = tonumber(ARGV[8]), tonumber(ARGV[10])
  local held, dates = tonumber(ARGV[9]), tonumber(ARGV[11])
  redis.call('HSET', KEYS[5], 'seatsAvailable', available, 'seatsHeld', held, 'seatHolders', holders, 'datesOver', dates == 0 and 1 or 0)
  local nothingLeft = dates > 0 and available == 0 and held == 0
  if nothingLeft and not soldOut then
    redis.call('HSET', KEYS[5], 'soldOut', 1, 'soldOutSeq', redis.call('GET', KEYS[8]) or 0)
  elseif soldOut and not nothingLeft then
    redis.call('HDEL', KEYS[5], 'soldOut')
  end
  soldOut = nothingLeft
end

-- (b) What this tick admits at most.
local perTick = tonumber(cfg[F.admitPerTick] or ARGV[3])
local effective = perTick
local p95 = tonumber(ARGV[12])
if cfg[F.adaptive] == '1' and perTick > 0 then
  local before = math.min(perTick, tonumber(st[9] or perTick))
  local target = tonumber(cfg[F.targetLatencyMs] or ARGV[14])
  if (p95 and p95 > target) or tonumber(ARGV[13]) > 0 then
    effective = math.max(1, math.floor(before / 2))
  else
    effective = math.min(perTick, before + math.max(1, math.floor(perTick / 10)))
  end
end
redis.call('HSET', KEYS[5], 'effectiveAdmitPerTick', effective)
if p95 then
  redis.call('HSET', KEYS[5], 'coreP95Ms', p95)
else
  redis.call('HDEL', KEYS[5], 'coreP95Ms')
end

local activeBefore = redis.call('ZCARD', KEYS[2])
local expiredUsers = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #expiredUsers > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  inSlices('HDEL', KEYS[3], expiredUsers, 1000)
end

-- Departures since the last tick: who was active after it and is not now (left, paid, ran out).
local departed = math.max(0, tonumber(st[4] or activeBefore) - (activeBefore - #expiredUsers))
local bucket = math.floor(now / 10000)
local lastBucket = tonumber(st[5] or bucket - 6)
bucket = math.max(bucket, lastBucket)
for b = lastBucket + 1, math.min(bucket, lastBucket + 6) do
  redis.call('HSET', KEYS[5], 'dep' .. (b % 6), 0)
end
redis.call('HSET', KEYS[5], 'depAt', bucket)
if departed > 0 then
  redis.call('HINCRBY', KEYS[5], 'dep' .. (bucket % 6), departed)
end
local counts = redis.call('HMGET', KEYS[5], 'dep0', 'dep1', 'dep2', 'dep3', 'dep4', 'dep5')
local lastMinute = 0
for _, c in ipairs(counts) do
  lastMinute = lastMinute + tonumber(c or '0')
end
redis.call('HSET', KEYS[5], 'departed', lastMinute)

local gone = {}
local function finish(admitted, abandoned, heldBack)
  redis.call('HSET', KEYS[5], 'activeAfter', redis.call('ZCARD', KEYS[2]))
  if heldBack then
    redis.call('HSET', KEYS[5], 'heldBack', heldBack)
  else
    redis.call('HDEL', KEYS[5], 'heldBack')
  end
  return { admitted, #expiredUsers, abandoned, gone, soldOut and 1 or 0 }
end

-- (d) Nobody is admitted.
if rebuilding then
  return finish(0, 0, 'REBUILDING')
elseif drawPending then
  return finish(0, 0, 'PREQUEUE')
elseif cfg[F.paused] == '1' then
  return finish(0, 0, 'PAUSED')
elseif soldOut then
  return finish(0, 0, 'SOLD_OUT')
end
local maxActive = tonumber(cfg[F.maxActive] or '0')
local ttlMs = tonumber(cfg[F.activeTtlSeconds] or ARGV[4]) * 1000
local random = cfg[F.mode] == 'random'
local skipLimit = tonumber(ARGV[6])
redis.call('HINCRBY', KEYS[5], 'admittingTicks', 1)

-- (e) The bounds, and the first of them that holds admission under admitPerTick.
local activeNow = redis.call('ZCARD', KEYS[2])
local heldBack = nil
local room = effective
if available then
  local spokenFor = math.max(activeNow, tonumber(ARGV[15]) or 0) - holders
  local seats = math.max(0, available - math.max(0, spokenFor))
  room = math.min(room, seats)
  if seats < perTick then
    heldBack = 'NO_SEATS'
  end
end
if maxActive > 0 then
  room = math.min(room, maxActive - activeNow)
  if not heldBack and maxActive - activeNow < perTick then
    heldBack = 'MAX_ACTIVE'
  end
end
if not heldBack and effective < perTick then
  heldBack = 'CORE_SLOW'
end
room = math.max(0, room)

local admitted = 0
local abandoned = 0
local actives = {}
local seqs = {}
local expiry = now + ttlMs
while admitted < room and abandoned < skipLimit do
  local want = math.min(room - admitted, skipLimit - abandoned)
  local batch
  if random then
    batch = redis.call('ZRANDMEMBER', KEYS[1], want, 'WITHSCORES')
    local users = {}
    for i = 1, #batch, 2 do
      users[#users + 1] = batch[i]
    end
    if #users > 0 then
      inSlices('ZREM', KEYS[1], users, 1000)
    end
  else
    batch = redis.call('ZPOPMIN', KEYS[1], want)
  end
  if #batch == 0 then
    break
  end
  for i = 1, #batch, 2 do
    local user = batch[i]
    local s = turnOf(batch[i + 1])
    gone[#gone + 1] = s
    if isGhost(KEYS[6], s, cfg, ARGV[5], now) then
      markEnded(KEYS[7], s, ENDED_ABANDONED)
      abandoned = abandoned + 1
    else
      admitted = admitted + 1
      actives[#actives + 1] = expiry
      actives[#actives + 1] = user
      seqs[#seqs + 1] = user
      seqs[#seqs + 1] = s
    end
  end
end

if admitted > 0 then
  inSlices('ZADD', KEYS[2], actives, 1000)
  inSlices('HSET', KEYS[3], seqs, 1000)
  redis.call('HINCRBY', KEYS[5], 'admittedTotal', admitted)
end
if abandoned > 0 then
  redis.call('HINCRBY', KEYS[5], 'abandonedTotal', abandoned)
end
if not heldBack and admitted < room then
  heldBack = 'EMPTY'
end
return finish(admitted, abandoned, heldBack)

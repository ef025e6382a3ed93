--[[
  Enter users into one concert's line, each as the one-user enter would, in the order given: a
  batch of the joins that reached one replica in the same turn of its event loop (join-batches.ts),
  so the script's own cost (its call, the prelude, reading the settings) is paid once per batch,
  not once per user. A batch of one is a single enter.

  KEYS[1] prequeue   ZSET userId scored by s: joined before the opening, not yet drawn
  KEYS[2] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[3] active     ZSET userId scored by expiry (epoch ms)
  KEYS[4] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[5] seq        INCR counter giving the arrival order
  KEYS[6] settings   HASH of the line's settings
  KEYS[7] state      HASH openedAt, opening, seedCommitment, admittedTotal, abandonedTotal, …
  KEYS[8] seen       BITFIELD u32 by s: when the turn last asked (presence)
  KEYS[9] ended      BITFIELD u2 by s: why a turn ended (left, abandoned)
  KEYS[10] joins     HASH of this minute's new places per client address
  KEYS[11] epoch     STRING the line's epoch (missing: the line's state is gone, or never was)
  KEYS[11 + i]       proofUsed of the i-th user: STRING set (NX) when their proof-of-work solution
                     is spent

  ARGV[1] now (epoch ms)
  ARGV[2] default activeTtlSeconds
  ARGV[3] default ghostAfterSeconds
  ARGV[4] the limit of new places per client address in this minute (KEYS[10]); '' counts none
  then four for each user i, from ARGV[5 + 4 * (i - 1)]:
    userId
    the caller's proof of work: '0' none, '1' a solution whose number and signature hold (spent
    here, once, when it takes a new place on a line that asks for one), '2' unreadable, wrong,
    forged or expired
    ms until the solution expires (how long its proofUsed key must remember it)
    the client address (counted against ARGV[4] when a new place is taken)

  Returns { settings, answer 1, answer 2, … }: the line's settings as placeReply gives them
  (shared.lua), then per user placeReply without them (its 11th element is false) and a 12th
  element: 1 when an abandoned place of this user was found and ended on the way (the new place is
  at the back). Or { 'SOLD_OUT', 0 } (the concert is sold out: no join at all), { 'CLOSED',
  abandoned } (no new places: closesAt passed, reject mode, every date begun, or the pre-queue is
  full), { 'PROOF_REQUIRED', abandoned }, { 'PROOF_INVALID', abandoned, 'used' or 'bad' },
  { 'JOIN_LIMITED', abandoned }; or { 'VANISHED' } alone when the line's epoch is missing: nothing
  was done, the caller restores the line (line-restore.ts) and sends the batch again. A refused join spends no solution and counts no place.

  A user holds at most one place: active, pre-queue or waiting, checked in that order under one
  atomic script, so concurrent enters of one user yield one turn (also within a batch: the second
  finds the place the first took). A user with a live turn gets the same s, hence the same token
  and place; asking again counts as being present. A new place is in the pre-queue before the
  opening, active at once in passthrough mode, else at the back of the line. The order comes from
  INCR on Redis, so every replica agrees on it whatever its clock says.
]]
if redis.call('EXISTS', KEYS[11]) == 0 then
  return { 'VANISHED' }
end
local now = tonumber(ARGV[1])
local ttlDefault = ARGV[2]
local ghostDefault = ARGV[3]
-- nil: no address is counted.
local limit = tonumber(ARGV[4])
-- Nothing in a join changes the settings: read once for the batch. The rest that every join
-- reads is read once a batch too, and kept up to date with what the joins change: the count of
-- active turns and the last tick's figures (waitInputs), the opening's and the stock's state, the
-- sizes of the pre-queue and the line, and each address's new places this minute. The counts and
-- the presence marks are written once, at the end.
local cfg = readSettings(KEYS[6])
local known = {}
-- openedAt, opening, seedCommitment, and what the last tick learnt of the stock (soldOut, datesOver).
local opening = redis.call('HMGET', KEYS[7], 'openedAt', 'opening', 'seedCommitment', 'soldOut', 'datesOver')
local soldOut = opening[4] == '1'
local datesOver = opening[5] == '1'
local placesOf, addedOf = {}, {}
local seenMarks = {}
local sizes = {}

-- The size of KEYS[i] (1 the pre-queue, 2 the line).
local function size(i)
  sizes[i] = sizes[i] or redis.call('ZCARD', KEYS[i])
  return sizes[i]
end

local function resized(i, by)
  if sizes[i] then
    sizes[i] = sizes[i] + by
  end
end

-- Marks turn s present now (the `seen` BITFIELD, shared.lua), written with the others at the end
-- of the batch.
local function seen(s)
  local n = #seenMarks
  seenMarks[n + 1], seenMarks[n + 2], seenMarks[n + 3], seenMarks[n + 4] = 'SET', 'u32', '#' .. s, math.ceil(now / 1000)
end

-- The place of turn s in KEYS[i] (1 the pre-queue, 2 the line): kept and marked present, or found
-- abandoned and ended (the user then takes a new place at the back).
local function kept(i, user, s)
  if isGhost(KEYS[8], s, cfg, ghostDefault, now) then
    abandon(KEYS[i], KEYS[9], KEYS[7], user, s)
    resized(i, -1)
    return false
  end
  seen(s)
  return true
end

-- placeOf (shared.lua) with the line's size kept: a new place is the last one, as no score in the
-- line is above a new s.
local function placeInLine(user, isNew)
  if cfg[F.mode] == 'random' then
    return math.ceil(size(2) / 2), 0
  end
  local position = isNew and size(2) or redis.call('ZRANK', KEYS[2], user) + 1
  return position, position
end

local function enterOne(user, proof, proofKey, proofTtl, address)
  local abandoned = 0

  local function reply(status, s, created, position, estimatePlace, activeUntil)
    local r = placeReply(KEYS[3], KEYS[7], cfg, status, s, created, position, estimatePlace, activeUntil, known)
    r[12] = abandoned
    return r
  end

  -- Sold out: nobody holds a live turn once the tick has ended them (admission.ts), and nobody joins.
  if soldOut then
    return { 'SOLD_OUT', 0 }
  end

  local expiry = redis.call('ZSCORE', KEYS[3], user)
  if expiry then
    local s = redis.call('HGET', KEYS[4], user)
    if s and tonumber(expiry) > now then
      return reply('ACTIVE', tonumber(s), 0, 0, 0, tonumber(expiry))
    end
    -- Active time ran out and no tick has cleaned up yet: that turn is over.
    redis.call('ZREM', KEYS[3], user)
    redis.call('HDEL', KEYS[4], user)
    known.activeCount = nil
  else
    local pre = redis.call('ZSCORE', KEYS[1], user)
    if pre then
      local s = tonumber(pre)
      if kept(1, user, s) then
        return reply('PREQUEUE', s, 0, 0, math.ceil(size(1) / 2), 0)
      end
      abandoned = 1
    else
      local score = redis.call('ZSCORE', KEYS[2], user)
      if score then
        local s = turnOf(score)
        if kept(2, user, s) then
          local place, position = placeInLine(user, false)
          return reply('WAITING', s, 0, position, place, 0)
        end
        abandoned = 1
      end
    end
  end

  -- A new place.
  local closesAt = cfg[F.closesAt]
  if cfg[F.mode] == 'reject' or datesOver or (closesAt and tonumber(closesAt) <= now) then
    return { 'CLOSED', abandoned }
  end
  local proofAsked = tonumber(cfg[F.proofOfWork] or '0') > 0
  if proofAsked then
    if proof == '0' then
      return { 'PROOF_REQUIRED', abandoned }
    elseif proof ~= '1' then
      return { 'PROOF_INVALID', abandoned, 'bad' }
    end
  end
  if limit then
    placesOf[address] = placesOf[address] or tonumber(redis.call('HGET', KEYS[10], address) or '0')
    if placesOf[address] >= limit then
      return { 'JOIN_LIMITED', abandoned }
    end
  end
  if proofAsked and not redis.call('SET', proofKey, '1', 'NX', 'PX', math.max(1, tonumber(proofTtl))) then
    return { 'PROOF_INVALID', abandoned, 'used' }
  end
  if limit then
    placesOf[address] = placesOf[address] + 1
    addedOf[address] = (addedOf[address] or 0) + 1
  end
  local opensAt = cfg[F.opensAt]
  local beforeOpening = opening[3] and not opening[1] and not opening[2] and opensAt and tonumber(opensAt) > now

  local s = redis.call('INCR', KEYS[5])
  if beforeOpening then
    if s >= TURN_SPAN then
      return { 'CLOSED', abandoned }
    end
    seen(s)
    redis.call('ZADD', KEYS[1], s, user)
    resized(1, 1)
    return reply('PREQUEUE', s, 1, 0, math.ceil(size(1) / 2), 0)
  end
  if not opening[1] and not opening[3] then
    -- A line without a sale window opens with its first place: from now on opensAt is fixed.
    redis.call('HSET', KEYS[7], 'openedAt', now)
    opening[1] = tostring(now)
  end
  if cfg[F.mode] == 'passthrough' then
    local activeUntil = now + tonumber(cfg[F.activeTtlSeconds] or ttlDefault) * 1000
    redis.call('ZADD', KEYS[3], activeUntil, user)
    redis.call('HSET', KEYS[4], user, s)
    redis.call('HINCRBY', KEYS[7], 'admittedTotal', 1)
    known.activeCount = nil
    return reply('ACTIVE', s, 1, 0, 0, activeUntil)
  end
  seen(s)
  redis.call('ZADD', KEYS[2], s, user)
  resized(2, 1)
  local place, position = placeInLine(user, true)
  return reply('WAITING', s, 1, position, place, 0)
end

local answers = { cfg }
for i = 1, #KEYS - 11 do
  local a = 4 + 4 * (i - 1)
  local r = enterOne(ARGV[a + 1], ARGV[a + 2], KEYS[11 + i], ARGV[a + 3], ARGV[a + 4])
  -- The settings go once, first, not in every answer.
  if r[11] then r[11] = false end
  answers[i + 1] = r
end
-- Four arguments a mark: slices of a hundred marks.
inSlices('BITFIELD', KEYS[8], seenMarks, 400)
local newAddress = false
for address, added in pairs(addedOf) do
  if redis.call('HINCRBY', KEYS[10], address, added) == added then
    newAddress = true
  end
end
-- Fixed one-minute windows: the hash outlives its minute by one, then goes. Checked when an
-- address is new in it, as the hash may be.
if newAddress and redis.call('PTTL', KEYS[10]) < 0 then
  redis.call('PEXPIRE', KEYS[10], 120000)
end
return answers

--[[
  Shared by every line script: prepended to each of them when they are registered (see
  ../scripts.ts, which also puts before it SETTINGS_FIELDS, the field list of the settings hash,
  and F, each field's index in it: cfg[F.mode] and so on).

  A place's score in `waiting` is the turn `s` itself (arrival order), or for a place drawn at the
  opening rank * 2^26 + s - 2^52: negative, so the drawn block stands ahead of every later arrival,
  ordered by the draw, and `s` is still in it — the token {u,c,s} of a pre-queue turn stays valid.
  Exact as long as rank and s are below 2^26 (a pre-queue of at most 67,108,863 turns).

  `seen` is a BITFIELD of u32 indexed by s: the second a turn last asked for its state (0: never
  written). `ended` is a BITFIELD of u2 indexed by s: why a turn ended when it did not run out
  (1 left, 2 abandoned, 3 still live when the concert sold out). Both cost bytes per turn, not a
  key or a hash entry per user.
]]
local DRAWN_BASE = 4503599627370496 -- 2^52
local TURN_SPAN = 67108864 -- 2^26
local ENDED_LEFT = 1
local ENDED_ABANDONED = 2
local ENDED_SOLD_OUT = 3

-- The turn s of a place, from its score in `waiting`.
local function turnOf(score)
  local n = tonumber(score)
  if n < 0 then
    return (n + DRAWN_BASE) % TURN_SPAN
  end
  return n
end

local function drawnScore(rank, s)
  return rank * TURN_SPAN + s - DRAWN_BASE
end

-- The line's settings as one array, in SETTINGS_FIELDS order (false where unset).
local function readSettings(key)
  return redis.call('HMGET', key, unpack(SETTINGS_FIELDS))
end


-- ghostAfterSeconds in force (0 = never); `default` is GHOST_AFTER_SECONDS.
local function ghostAfterOf(cfg, default)
  return tonumber(cfg[F.ghostAfterSeconds] or default)
end

-- Not seen for ghostAfter seconds: the place is lost. A turn never written (0) is not judged,
-- and nobody is judged before ghostJudgeFrom (set when ghostAfterSeconds changes, so that a
-- client told the old poll interval gets to ask once under the new rule).
local function isGhost(seenKey, s, cfg, defaultGhost, nowMs)
  local ghostAfter = ghostAfterOf(cfg, defaultGhost)
  if ghostAfter <= 0 or nowMs < tonumber(cfg[F.ghostJudgeFrom] or '0') then
    return false
  end
  local seen = redis.call('BITFIELD_RO', seenKey, 'GET', 'u32', '#' .. s)[1]
  return seen > 0 and (seen + ghostAfter) * 1000 < nowMs
end

local function markEnded(endedKey, s, why)
  redis.call('BITFIELD', endedKey, 'SET', 'u2', '#' .. s, why)
end

-- Removes a place found abandoned and counts it.
local function abandon(lineKey, endedKey, stateKey, user, s)
  redis.call('ZREM', lineKey, user)
  markEnded(endedKey, s, ENDED_ABANDONED)
  redis.call('HINCRBY', stateKey, 'abandonedTotal', 1)
end

-- Why turn s of user is not current, the first that applies: PAID, SOLD_OUT (live when the concert
-- sold out), REPLACED (the user holds a newer turn), LEFT, ABANDONED or EXPIRED (the active time
-- ran out; also the default).
local function endedReason(prequeueKey, waitingKey, activeSeqKey, endedKey, paidKey, user, s)
  if redis.call('EXISTS', paidKey) == 1 then
    return 'PAID'
  end
  local why = redis.call('BITFIELD_RO', endedKey, 'GET', 'u2', '#' .. s)[1]
  if why == ENDED_SOLD_OUT then
    return 'SOLD_OUT'
  end
  if redis.call('ZSCORE', prequeueKey, user) or redis.call('ZSCORE', waitingKey, user) or redis.call('HEXISTS', activeSeqKey, user) == 1 then
    return 'REPLACED'
  end
  if why == ENDED_LEFT then
    return 'LEFT'
  elseif why == ENDED_ABANDONED then
    return 'ABANDONED'
  end
  return 'EXPIRED'
end

-- What the state hash says of the line's last tick, in one read: departedLastMinute, and seatsLeft
-- (the places free or held at the last read of the inventory; -1 before the first).
local function lastTick(stateKey)
  local st = redis.call('HMGET', stateKey, 'departed', 'seatsAvailable', 'seatsHeld')
  local seatsLeft = -1
  if st[2] then
    seatsLeft = tonumber(st[2]) + tonumber(st[3] or '0')
  end
  return tonumber(st[1] or '0'), seatsLeft
end

--[[
  What the caller needs to estimate the wait of the place `position` (1 = next), and to tell it how
  many places are left: { activeCount, departedLastMinute, expiry, seatsLeft } where expiry (ms) is
  the end of the active turn whose slot this place waits for, when maxActive holds admission back
  and nobody left in the last minute (else 0), and seatsLeft is lastTick's. `known` (optional): the
  count of active turns and lastTick's figures already read by this script, as { activeCount = n,
  departed = n, seatsLeft = n }; what it lacks is read and kept in it, so that a batch of enters
  reads each once.
]]
local function waitInputs(activeKey, stateKey, cfg, position, known)
  local activeCount = known and known.activeCount or redis.call('ZCARD', activeKey)
  local departed, seatsLeft
  if known and known.departed then
    departed, seatsLeft = known.departed, known.seatsLeft
  else
    departed, seatsLeft = lastTick(stateKey)
  end
  if known then
    known.activeCount, known.departed, known.seatsLeft = activeCount, departed, seatsLeft
  end
  local maxActive = tonumber(cfg[F.maxActive] or '0')
  local expiry = 0
  if maxActive > 0 and departed == 0 and activeCount > 0 then
    local room = maxActive - activeCount
    if position > room then
      local k = (position - math.max(room, 0) - 1) % activeCount
      expiry = tonumber(redis.call('ZRANGE', activeKey, k, k, 'WITHSCORES')[2])
    end
  end
  return activeCount, departed, expiry, seatsLeft
end

--[[
  The reply of enter and status for a live place:
  { status, s, created, position (0 = none), estimate place, activeUntil (ms, 0 unless active),
    activeCount, departedLastMinute, expiry, seatsLeft (-1: none), settings }
  `known`: as for waitInputs.
]]
local function placeReply(activeKey, stateKey, cfg, status, s, created, position, estimatePlace, activeUntil, known)
  local activeCount, departed, expiry, seatsLeft = 0, 0, 0, -1
  if status ~= 'ACTIVE' then
    activeCount, departed, expiry, seatsLeft = waitInputs(activeKey, stateKey, cfg, estimatePlace, known)
  end
  return { status, s, created, position, estimatePlace, activeUntil, activeCount, departed, expiry, seatsLeft, cfg }
end

-- The place a wait is estimated for, and the position shown: in fifo both are the user's place
-- (1 = next); in random no position is shown and the estimate is for the median of the line.
local function placeOf(cfg, waitingKey, user)
  if cfg[F.mode] == 'random' then
    return math.ceil(redis.call('ZCARD', waitingKey) / 2), 0
  end
  local position = redis.call('ZRANK', waitingKey, user) + 1
  return position, position
end

-- unpack() of a long list overflows Lua's stack: send big argument lists in slices.
local function inSlices(command, key, list, step)
  for i = 1, #list, step do
    redis.call(command, key, unpack(list, i, math.min(i + step - 1, #list)))
  end
end

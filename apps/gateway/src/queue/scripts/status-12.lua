--[[
  The state of one queue token (its signature was already checked by the caller, so its user
  and its turn s can be believed).

  KEYS[1] prequeue   ZSET userId scored by s: joined before the opening, not yet drawn
  KEYS[2] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[3] active     ZSET userId scored by expiry (epoch ms)
  KEYS[4] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[5] settings   HASH of the line's settings
  KEYS[6] state      HASH abandonedTotal, departed, …
  KEYS[7] seen       BITFIELD u32 by s: when the turn last asked (presence)
  KEYS[8] ended      BITFIELD u2 by s: why a turn ended (left, abandoned)
  KEYS[9] paid       STRING marker set when the turn (user, s) was ended by a payment
  KEYS[10] epoch     STRING the line's epoch (missing: the line's state is gone)
  KEYS[11] rebuilt   BITFIELD u1 by s: the turn was rebuilt from its token in this epoch
  KEYS[12] seq       INCR counter of the arrival order

  ARGV[1] userId
  ARGV[2] s, the turn the token was issued for
  ARGV[3] now (epoch ms)
  ARGV[4] default ghostAfterSeconds
  ARGV[5] '1': also answer the scores below
  ARGV[6] the token's activeUntil (epoch ms) when it proves an admitted turn, else ''
  ARGV[7] REBUILD_GRACE_MS

  Returns placeReply (shared.lua) for a live place, with ARGV[5] '1' and a 12th element for a
  waiting one: its score in `waiting` (as Redis writes it; line-mirror.ts places it from memory
  afterwards), or { reason, abandonedNow } for an ended one:
  reason PAID, SOLD_OUT, REPLACED, LEFT, ABANDONED or EXPIRED; abandonedNow is 1 when this very call found
  the place abandoned and ended it (then, with ARGV[5] '1', the score it had in `waiting`).

  { 'VANISHED', 0 } when the line's epoch is missing: nothing was read or written; the caller
  restores the line (line-restore.ts) and asks again.

  A place Redis no longer has is rebuilt from the token (rebuild below): the token's turn is one
  this Redis never issued (above the counter, which is raised to it), or one issued before the
  state was lost (at most reviveSeq) and not rebuilt since.

  The token is current when the user is in the pre-queue or the line with turn s, or active with
  activeSeq s. This script does not mark the user present: the caller batches that (presence.ts),
  so a poll stays one read-mostly script. A place not asked for in ghostAfterSeconds is ended here
  as it would be by the tick.
]]
if redis.call('EXISTS', KEYS[10]) == 0 then
  return { 'VANISHED', 0 }
end
local user = ARGV[1]
local s = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local claimedUntil = tonumber(ARGV[6])
local cfg = readSettings(KEYS[5])

local function wasRebuilt()
  return redis.call('BITFIELD_RO', KEYS[11], 'GET', 'u1', '#' .. s)[1] == 1
end

-- An admitted turn's token meets the same turn rebuilt as waiting (from its older token): the
-- turn was admitted, so the waiting place goes and the active one is rebuilt below.
local promote = false
if claimedUntil and wasRebuilt() then
  local w = redis.call('ZSCORE', KEYS[2], user)
  if w and turnOf(w) == s then
    redis.call('ZREM', KEYS[2], user)
    promote = true
  elseif tonumber(redis.call('ZSCORE', KEYS[1], user) or '-1') == s then
    redis.call('ZREM', KEYS[1], user)
    promote = true
  end
end

-- Waiting first: most tokens polled are waiting ones. A user is in one of these at most.
local score = redis.call('ZSCORE', KEYS[2], user)
if score then
  if turnOf(score) == s then
    if isGhost(KEYS[7], s, cfg, ARGV[4], now) then
      abandon(KEYS[2], KEYS[8], KEYS[6], user, s)
      if ARGV[5] == '1' then
        return { 'ABANDONED', 1, score }
      end
      return { 'ABANDONED', 1 }
    end
    local place, position = placeOf(cfg, KEYS[2], user)
    local r = placeReply(KEYS[3], KEYS[6], cfg, 'WAITING', s, 0, position, place, 0)
    if ARGV[5] == '1' then
      r[12] = score
    end
    return r
  end
else
  local pre = redis.call('ZSCORE', KEYS[1], user)
  if pre then
    if tonumber(pre) == s then
      if isGhost(KEYS[7], s, cfg, ARGV[4], now) then
        abandon(KEYS[1], KEYS[8], KEYS[6], user, s)
        return { 'ABANDONED', 1 }
      end
      return placeReply(KEYS[3], KEYS[6], cfg, 'PREQUEUE', s, 0, 0, math.ceil(redis.call('ZCARD', KEYS[1]) / 2), 0)
    end
  else
    local expiry = redis.call('ZSCORE', KEYS[3], user)
    if expiry and tonumber(redis.call('HGET', KEYS[4], user)) == s then
      if tonumber(expiry) > now then
        return placeReply(KEYS[3], KEYS[6], cfg, 'ACTIVE', s, 0, 0, 0, tonumber(expiry))
      end
      -- Current but its time ran out: tidy up so the next enter starts a fresh turn.
      redis.call('ZREM', KEYS[3], user)
      redis.call('HDEL', KEYS[4], user)
    end
  end
end

--[[
  Puts back a place Redis lost, from its token: a reply, or nil when the turn is not one to rebuild
  (endedReason then says why it ended). Never a paid turn (its marker is restored from the core),
  never at or below soldOutSeq nor while sold out, never an admitted turn past its activeUntil, and
  a user keeps one place: the highest turn wins, a lower one is REPLACED.
]]
local function rebuild()
  local st = redis.call('HMGET', KEYS[6], 'reviveSeq', 'soldOut', 'soldOutSeq', 'rebuildUntil', 'openedAt', 'opening', 'seedCommitment')
  local revive = tonumber(st[1] or '0')
  if s > tonumber(redis.call('GET', KEYS[12]) or '0') then
    -- Never issued by this Redis: issued before a loss. New turns go after it from now on.
    redis.call('SET', KEYS[12], s)
    revive = s
    redis.call('HSET', KEYS[6], 'reviveSeq', s)
    if not st[4] then
      redis.call('HSET', KEYS[6], 'rebuildUntil', now + tonumber(ARGV[7]))
    end
  end
  -- Rebuilt once: what happened to it since is this Redis's to say (but for the promotion above).
  if s > revive or (wasRebuilt() and not promote) then
    return nil
  end
  if redis.call('EXISTS', KEYS[9]) == 1 then
    return nil
  end
  if st[2] == '1' or s <= tonumber(st[3] or '0') then
    return { 'SOLD_OUT', 0 }
  end
  -- The user's place now, if any: the highest turn wins.
  local other, otherKey
  local w = redis.call('ZSCORE', KEYS[2], user)
  if w then
    other, otherKey = turnOf(w), KEYS[2]
  else
    local p = redis.call('ZSCORE', KEYS[1], user)
    if p then
      other, otherKey = tonumber(p), KEYS[1]
    else
      local a = redis.call('HGET', KEYS[4], user)
      if a then
        other, otherKey = tonumber(a), KEYS[3]
      end
    end
  end
  if other and other > s then
    return nil
  end
  if otherKey then
    redis.call('ZREM', otherKey, user)
    if otherKey == KEYS[3] then
      redis.call('HDEL', KEYS[4], user)
    end
  end
  redis.call('BITFIELD', KEYS[11], 'SET', 'u1', '#' .. s, 1)
  if claimedUntil then
    if claimedUntil <= now then
      return { 'EXPIRED', 0 }
    end
    redis.call('ZADD', KEYS[3], claimedUntil, user)
    redis.call('HSET', KEYS[4], user, s)
    return placeReply(KEYS[3], KEYS[6], cfg, 'ACTIVE', s, 0, 0, 0, claimedUntil)
  end
  redis.call('BITFIELD', KEYS[7], 'SET', 'u32', '#' .. s, math.ceil(now / 1000))
  local opensAt = cfg[F.opensAt]
  if st[7] and not st[5] and not st[6] and opensAt and tonumber(opensAt) > now then
    redis.call('ZADD', KEYS[1], s, user)
    return placeReply(KEYS[3], KEYS[6], cfg, 'PREQUEUE', s, 0, 0, math.ceil(redis.call('ZCARD', KEYS[1]) / 2), 0)
  end
  redis.call('ZADD', KEYS[2], s, user)
  local place, position = placeOf(cfg, KEYS[2], user)
  local r = placeReply(KEYS[3], KEYS[6], cfg, 'WAITING', s, 0, position, place, 0)
  if ARGV[5] == '1' then
    r[12] = tostring(s)
  end
  return r
end

local rebuilt = rebuild()
if rebuilt then
  return rebuilt
end
return { endedReason(KEYS[1], KEYS[2], KEYS[4], KEYS[8], KEYS[9], user, s), 0 }

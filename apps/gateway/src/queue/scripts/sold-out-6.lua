--[[
  Ends the live turns of a sold-out concert, a slice at a time: the tick that finds the concert
  sold out (admit-9.lua) calls this until nothing is left, so every turn live at that read ends
  within the tick, and no single call holds Redis for long.

  KEYS[1] prequeue   ZSET userId scored by s: joined before the opening, not yet drawn
  KEYS[2] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[3] active     ZSET userId scored by expiry (epoch ms)
  KEYS[4] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[5] ended      BITFIELD u2 by s: why a turn ended
  KEYS[6] state      HASH with soldOut (set while sold out) and activeAfter

  ARGV[1] at most this many turns ended in this call

  Returns the number of live turns left (0: done). Does nothing when the concert is no longer sold
  out (a place came back before the slices were done: the turns not ended yet keep their places).

  Each turn is taken out of its place and marked ended with ENDED_SOLD_OUT, so its token answers
  410 SOLD_OUT (endedReason in shared.lua), unless it was paid (PAID wins). The active set shrinks
  here, not by departures: activeAfter follows, so the leaving rate does not count these.
]]
if redis.call('HGET', KEYS[6], 'soldOut') ~= '1' then
  return 0
end
local budget = tonumber(ARGV[1])
local marks = {}
local function mark(s)
  local n = #marks
  marks[n + 1], marks[n + 2], marks[n + 3], marks[n + 4] = 'SET', 'u2', '#' .. s, ENDED_SOLD_OUT
end

for _, key in ipairs({ KEYS[1], KEYS[2] }) do
  if budget > 0 then
    local popped = redis.call('ZPOPMIN', key, budget)
    for i = 2, #popped, 2 do
      mark(turnOf(popped[i]))
    end
    budget = budget - #popped / 2
  end
end
if budget > 0 then
  local popped = redis.call('ZPOPMIN', KEYS[3], budget)
  local users = {}
  for i = 1, #popped, 2 do
    users[#users + 1] = popped[i]
  end
  -- unpack() of a long list overflows Lua's stack: slices of a thousand.
  for i = 1, #users, 1000 do
    for _, s in ipairs(redis.call('HMGET', KEYS[4], unpack(users, i, math.min(i + 999, #users)))) do
      if s then
        mark(tonumber(s))
      end
    end
  end
  inSlices('HDEL', KEYS[4], users, 1000)
  redis.call('HSET', KEYS[6], 'activeAfter', redis.call('ZCARD', KEYS[3]))
end
-- Four arguments a mark: slices of a thousand marks.
inSlices('BITFIELD', KEYS[5], marks, 4000)
return redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3])

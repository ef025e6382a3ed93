--[[
  One admission tick for one concert.

  KEYS[1] waiting    ZSET userId scored by arrival sequence number (s)
  KEYS[2] active     ZSET userId scored by expiry (epoch ms)
  KEYS[3] activeSeq  HASH userId -> s of the turn that made them active (active users only)
  KEYS[4] settings   HASH admitPerTick, maxActive (0 = none), activeTtlSeconds, paused (0|1)
  KEYS[5] state      HASH admittedTotal, lastTick, admittingTicks

  ARGV[1] now (epoch ms)
  ARGV[2] the tick: the scheduled time (epoch ms) of the BullMQ job running it
  ARGV[3] default admitPerTick
  ARGV[4] default activeTtlSeconds

  Returns { admitted, expired } or { -1, 0 } when this tick was already processed.

  (a) actives whose time ran out are dropped with their activeSeq entries; (b) unless paused, up
  to admitPerTick users move from the head of the line (lowest sequence first) to active, never
  past maxActive, each keeping its s in activeSeq so its token stays current; (c) admittedTotal grows by that many. A tick is processed at most once: a job
  retried or duplicated across replicas carries the same tick time and finds lastTick >= it.
]]
-- unpack() of a long list overflows Lua's stack: send big argument lists in slices.
local function inSlices(command, key, list, step)
  for i = 1, #list, step do
    redis.call(command, key, unpack(list, i, math.min(i + step - 1, #list)))
  end
end

local now = tonumber(ARGV[1])
local tick = tonumber(ARGV[2])

local last = tonumber(redis.call('HGET', KEYS[5], 'lastTick') or '-1')
if tick <= last then
  return { -1, 0 }
end
redis.call('HSET', KEYS[5], 'lastTick', ARGV[2])

local expiredUsers = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #expiredUsers > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
  inSlices('HDEL', KEYS[3], expiredUsers, 1000)
end

local s = redis.call('HMGET', KEYS[4], 'admitPerTick', 'maxActive', 'activeTtlSeconds', 'paused')
if s[4] == '1' then
  return { 0, #expiredUsers }
end
local perTick = tonumber(s[1] or ARGV[3])
local maxActive = tonumber(s[2] or '0')
local ttlMs = tonumber(s[3] or ARGV[4]) * 1000
redis.call('HINCRBY', KEYS[5], 'admittingTicks', 1)

local room = perTick
if maxActive > 0 then
  room = math.min(room, maxActive - redis.call('ZCARD', KEYS[2]))
end
if room <= 0 then
  return { 0, #expiredUsers }
end

local popped = redis.call('ZPOPMIN', KEYS[1], room)
local admitted = #popped / 2
if admitted > 0 then
  local args = {}
  local seqs = {}
  local expiry = now + ttlMs
  for i = 1, #popped, 2 do
    args[#args + 1] = expiry
    args[#args + 1] = popped[i]
    seqs[#seqs + 1] = popped[i]
    seqs[#seqs + 1] = popped[i + 1]
  end
  inSlices('ZADD', KEYS[2], args, 1000)
  inSlices('HSET', KEYS[3], seqs, 1000)
  redis.call('HINCRBY', KEYS[5], 'admittedTotal', admitted)
end
return { admitted, #expiredUsers }

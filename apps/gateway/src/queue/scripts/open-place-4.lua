--[[
  Place one slice of the drawn pre-queue ahead of the line, or finish the opening.

  KEYS[1] waiting    ZSET userId scored by place (s, or a drawn score: see shared.lua)
  KEYS[2] prequeue   ZSET userId scored by s: joined before the opening, not yet drawn
  KEYS[3] state      HASH openedAt, opening, placed
  KEYS[4] draw       LIST of the drawn user ids, in the draw's order (what GET …/draw shows)

  ARGV[1] now (epoch ms)
  ARGV[2] rank of the first user given: must equal `placed`
  ARGV[3..] user ids in the draw's order (ascending HMAC-SHA256(seed, userId)), from that rank

  Returns { 'PLACED', placed } (more to come), { 'OPENED', placed } (the pre-queue is empty: the
  opening is over; the line admits from the next tick), or { 'RESYNC', placed } when ARGV[2] is not
  where the placing stands (another run got there first): the caller reads the pre-queue again and
  goes on from `placed`.

  The order is computed by the caller (Lua in Redis has no HMAC-SHA256), so this script only
  places, and places each user once: a user is moved only while still in the pre-queue, a slice
  only at the rank where the last one ended, and nothing after openedAt. Runs that overlap (a tick
  retried on another replica) or resume after a crash therefore place every user exactly once and
  in the draw's order: what is left in the pre-queue is always the tail of that order.
]]
local st = redis.call('HMGET', KEYS[3], 'openedAt', 'opening', 'placed')
local placed = tonumber(st[3] or '0')
if st[1] then
  return { 'OPENED', placed }
end
if not st[2] then
  return redis.error_reply('ERR the opening has not begun')
end
local from = tonumber(ARGV[2])
if from ~= placed then
  return { 'RESYNC', placed }
end

local scores = {}
local users = {}
for i = 3, #ARGV do
  local user = ARGV[i]
  local s = redis.call('ZSCORE', KEYS[2], user)
  if s then
    scores[#scores + 1] = drawnScore(from + i - 3, tonumber(s))
    scores[#scores + 1] = user
    users[#users + 1] = user
  end
end
if #users > 0 then
  inSlices('ZREM', KEYS[2], users, 1000)
  inSlices('ZADD', KEYS[1], scores, 1000)
  inSlices('RPUSH', KEYS[4], users, 1000)
end
placed = from + #ARGV - 2
redis.call('HSET', KEYS[3], 'placed', placed)
if redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[3], 'openedAt', ARGV[1])
  redis.call('HDEL', KEYS[3], 'opening')
  return { 'OPENED', placed }
end
return { 'PLACED', placed }

--[[
  Change a line's settings (PATCH /api/admin/queues/{id}) under the opening's rules, atomically
  with the opening itself (open-begin-2.lua) and with joins.

  KEYS[1] settings   HASH of the line's settings
  KEYS[2] state      HASH seed, seedCommitment, openedAt, opening
  KEYS[3] prequeue   ZSET of the pre-queue

  ARGV[1] now (epoch ms)
  ARGV[2] opensAt: '' unchanged, 'null' to clear, or epoch ms
  ARGV[3] a new seed (hex), used when opensAt changes to a time
  ARGV[4] its commitment, SHA-256 of the seed's bytes (hex)
  ARGV[5] closesAt: '' unchanged, 'null' to clear, or epoch ms
  ARGV[6] ghostAfterSeconds: '' unchanged, '0' for never, or seconds
  ARGV[7] default ghostAfterSeconds
  ARGV[8] the longest pollAfterMs a client is told (with no ghostAfterSeconds)
  ARGV[9] margin (ms) added to that: the presence flush and a second of rounding
  ARGV[10..] other fields and values, written as they are

  Returns { 'OK' }, { 'ALREADY_OPEN' } (opensAt changed after the opening began; nothing written)
  or { 'CLOSES_BEFORE_OPENS' } (nothing written).

  opensAt may change only before the opening; a new time draws a new seed (its commitment is
  public at once, the seed only from the opening). Clearing opensAt with nobody in the pre-queue
  forgets the seed (a plain line again, opening with its first place); with a pre-queue, the
  opening happens at the next tick. A change of ghostAfterSeconds judges nobody until every client
  had time to ask once under the new rule.
]]
local now = tonumber(ARGV[1])
local cur = redis.call('HMGET', KEYS[1], 'opensAt', 'closesAt', 'ghostAfterSeconds')
local opensAt = cur[1]
local closesAt = cur[2]
if ARGV[2] ~= '' then
  local st = redis.call('HMGET', KEYS[2], 'openedAt', 'opening')
  if st[1] or st[2] then
    return { 'ALREADY_OPEN' }
  end
  opensAt = ARGV[2] ~= 'null' and ARGV[2]
end
if ARGV[5] ~= '' then
  closesAt = ARGV[5] ~= 'null' and ARGV[5]
end
if opensAt and closesAt and tonumber(closesAt) <= tonumber(opensAt) then
  return { 'CLOSES_BEFORE_OPENS' }
end

if ARGV[2] ~= '' then
  if opensAt then
    if opensAt ~= cur[1] then
      redis.call('HSET', KEYS[1], 'opensAt', opensAt)
      redis.call('HSET', KEYS[2], 'seed', ARGV[3], 'seedCommitment', ARGV[4])
    end
  else
    redis.call('HDEL', KEYS[1], 'opensAt')
    if redis.call('ZCARD', KEYS[3]) == 0 then
      redis.call('HDEL', KEYS[2], 'seed', 'seedCommitment')
    end
  end
end
if ARGV[5] ~= '' then
  if closesAt then
    redis.call('HSET', KEYS[1], 'closesAt', closesAt)
  else
    redis.call('HDEL', KEYS[1], 'closesAt')
  end
end
local oldGhost = cur[3] or ARGV[7]
if ARGV[6] ~= '' and ARGV[6] ~= oldGhost then
  local old = tonumber(oldGhost)
  local longestPoll = tonumber(ARGV[8])
  if old > 0 then
    longestPoll = math.min(longestPoll, old * 200)
  end
  redis.call('HSET', KEYS[1], 'ghostAfterSeconds', ARGV[6], 'ghostJudgeFrom', now + longestPoll + tonumber(ARGV[9]))
end
if #ARGV >= 10 then
  redis.call('HSET', KEYS[1], unpack(ARGV, 10))
end
return { 'OK' }

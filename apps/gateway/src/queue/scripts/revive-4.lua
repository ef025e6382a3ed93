--[[
  Gives a line whose epoch is missing a new one: its state was never created (a new line) or Redis
  lost it. Run by line-restore.ts with what the core keeps of the line; the first caller wins, the
  others get the epoch it wrote, so a line is restored once however many replicas find it gone.

  KEYS[1] epoch      STRING the line's epoch
  KEYS[2] seq        INCR counter of the arrival order
  KEYS[3] settings   HASH of the line's settings
  KEYS[4] state      HASH of the line's bookkeeping

  ARGV[1] the new epoch (random)
  ARGV[2] rebuildUntil (epoch ms): until then the tick admits nobody while places are rebuilt from
          their tokens; '0' for a new line (nothing was lost)
  ARGV[3] the lowest the counter may restart from: the highest turn a replica knew of, plus a
          margin for the turns issued since it last heard ('0': none known)
  ARGV[4] the opening's seed ('' none)
  ARGV[5] its commitment ('' none)
  ARGV[6] the highest turn when the concert sold out ('' never)
  ARGV[7..] the settings, field and value in turn

  Returns { epoch, 1 } when this call wrote the epoch, { epoch, 0 } when it was there already.
  After a loss, state reviveSeq is the counter as restored: a token of a turn at or below it may
  have its place rebuilt (status-12.lua), a turn above it was issued since and Redis knows it.
]]
local current = redis.call('GET', KEYS[1])
if current then
  return { current, 0 }
end
redis.call('SET', KEYS[1], ARGV[1])
if #ARGV >= 7 then
  redis.call('HSET', KEYS[3], unpack(ARGV, 7))
end
if ARGV[4] ~= '' and redis.call('HEXISTS', KEYS[4], 'seed') == 0 then
  redis.call('HSET', KEYS[4], 'seed', ARGV[4], 'seedCommitment', ARGV[5])
end
if ARGV[6] ~= '' and tonumber(ARGV[6]) > tonumber(redis.call('HGET', KEYS[4], 'soldOutSeq') or '0') then
  redis.call('HSET', KEYS[4], 'soldOutSeq', ARGV[6])
end
if ARGV[2] ~= '0' then
  local seq = tonumber(redis.call('GET', KEYS[2]) or '0')
  local floor = tonumber(ARGV[3])
  if floor > seq then
    redis.call('SET', KEYS[2], floor)
    seq = floor
  end
  redis.call('HSET', KEYS[4], 'reviveSeq', seq, 'rebuildUntil', ARGV[2])
end
return { ARGV[1], 1 }

--[[
  One sample of a line's history, written by the admission tick after it processed the line.

  KEYS[1] prequeue   ZSET of the pre-queue
  KEYS[2] waiting    ZSET of the line
  KEYS[3] active     ZSET of the active users
  KEYS[4] state      HASH with admittedTotal, abandonedTotal, effectiveAdmitPerTick, coreP95Ms
  KEYS[5] history    STREAM, one entry per tick: id = the tick's time; w waiting, a active,
                     ad admittedTotal, ab abandonedTotal (running totals: the reader takes the
                     differences, so a sample never depends on the one before having been written),
                     e effectiveAdmitPerTick and p coreP95Ms as the tick's admission left them
                     (p only when it saw one)

  ARGV[1] the tick (epoch ms): the entry's id
  ARGV[2] entries older than this (epoch ms) may be trimmed
  ARGV[3] the stream's time to live (ms): a line no longer visited loses its history after it

  Returns { waiting, active }. The id is `<tick>-0`, so a tick already written (a duplicated job)
  or older than the last entry is refused by XADD and not written again.
]]
local waiting = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
local active = redis.call('ZCARD', KEYS[3])
local totals = redis.call('HMGET', KEYS[4], 'admittedTotal', 'abandonedTotal', 'effectiveAdmitPerTick', 'coreP95Ms')
local fields = { 'w', waiting, 'a', active, 'ad', totals[1] or '0', 'ab', totals[2] or '0', 'e', totals[3] or '0' }
if totals[4] then
  fields[#fields + 1] = 'p'
  fields[#fields + 1] = totals[4]
end
local added = redis.pcall('XADD', KEYS[5], 'MINID', '~', ARGV[2], ARGV[1] .. '-0', unpack(fields))
if type(added) ~= 'table' or not added.err then
  redis.call('PEXPIRE', KEYS[5], ARGV[3])
end
return { waiting, active }

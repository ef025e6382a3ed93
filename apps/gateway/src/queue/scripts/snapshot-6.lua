--[[
  What every replica needs, once a tick, to answer the polls and streams of waiting places from
  memory (line-mirror.ts): read here and PUBLISHed as one JSON message on the deployment's line
  channel, so a tick costs one script and one message per concert however many replicas listen.

  KEYS[1] waiting    ZSET userId scored by place
  KEYS[2] active     ZSET userId scored by expiry (epoch ms)
  KEYS[3] settings   HASH of the line's settings
  KEYS[4] state      HASH of the line's bookkeeping (departed, openedAt, the stock)
  KEYS[5] epoch      STRING the line's epoch
  KEYS[6] seq        INCR counter of the arrival order

  ARGV[1] the channel
  ARGV[2] concertId
  ARGV[3] the tick (epoch ms; the message's version)
  ARGV[4] places given exactly: the head of the line (1000)
  ARGV[5] active expiries sent at most (for the wait estimate while maxActive binds)
  ARGV[6..] turns s that left the line this tick (admitted or found abandoned)

  The message: { c, v, n (waiting count), head = scores of the first ARGV[4] places,
  samples = { rank, score, rank, score, … } beyond the head, each rank at most 1% past the one
  before (so a score between two samples has its rank within 1%), ac (active count),
  dep (departed over the last minute), exp (active expiries ascending, or false: too many or not
  needed), cfg (the settings, SETTINGS_FIELDS order), opened (openedAt or false), gone (the turns
  of ARGV[6..]), sl (seatsLeft: free or held at the last inventory read, -1 before one), so (while
  sold out, soldOutSeq: every turn up to it has ended; else false), ep (the line's epoch: a replica
  that knew another forgets what it remembers of the line), sq (the arrival counter: what every
  replica knows of the highest turn, for a line to be restored after a loss) }. Scores are sent as Redis writes them (strings): a drawn score needs all of a
  double's digits, more than cjson prints of a number.
]]
local headSize = tonumber(ARGV[4])
local n = redis.call('ZCARD', KEYS[1])
local head = {}
local raw = redis.call('ZRANGE', KEYS[1], 0, headSize - 1, 'WITHSCORES')
for i = 2, #raw, 2 do
  head[#head + 1] = raw[i]
end
local samples = {}
local r = headSize
while r < n do
  samples[#samples + 1] = r
  samples[#samples + 1] = redis.call('ZRANGE', KEYS[1], r, r, 'WITHSCORES')[2]
  if r == n - 1 then
    break
  end
  r = math.min(n - 1, r + math.max(1, math.floor(r / 100)))
end
local cfg = readSettings(KEYS[3])
local activeCount = redis.call('ZCARD', KEYS[2])
local departed, seatsLeft = lastTick(KEYS[4])
local stock = redis.call('HMGET', KEYS[4], 'openedAt', 'soldOut', 'soldOutSeq')
local exp = false
if tonumber(cfg[F.maxActive] or '0') > 0 and departed == 0 and activeCount > 0 and activeCount <= tonumber(ARGV[5]) then
  exp = {}
  local e = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  for i = 2, #e, 2 do
    exp[#exp + 1] = tonumber(e[i])
  end
end
local gone = {}
for i = 6, #ARGV do
  gone[#gone + 1] = tonumber(ARGV[i])
end
local message = cjson.encode({
  c = tonumber(ARGV[2]),
  v = tonumber(ARGV[3]),
  n = n,
  head = head,
  samples = samples,
  ac = activeCount,
  dep = departed,
  exp = exp,
  cfg = cfg,
  opened = stock[1],
  gone = gone,
  sl = seatsLeft,
  so = stock[2] == '1' and tonumber(stock[3] or '0'),
  ep = redis.call('GET', KEYS[5]),
  sq = tonumber(redis.call('GET', KEYS[6]) or '0'),
})
redis.call('PUBLISH', ARGV[1], message)
return n

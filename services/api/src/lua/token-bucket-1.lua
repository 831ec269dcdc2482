-- Token bucket for one API key, refilled continuously.
-- KEYS[1]  hash {tokens, ts} of the bucket
-- ARGV[1]  capacity (tokens; also the burst)
-- ARGV[2]  refill rate in tokens per millisecond
-- ARGV[3]  cost of this request (tokens)
-- ARGV[4]  TTL of the key in milliseconds (long enough to refill completely)
-- Returns {allowed (1|0), tokens left (floor), milliseconds until `cost` tokens are available}.
-- Time comes from the Redis server, so API instances with skewed clocks share one bucket fairly.
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
  ts = now
end
local allowed = 0
local wait = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
else
  wait = math.ceil((cost - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
redis.call('PEXPIRE', KEYS[1], ttl)
return {allowed, math.floor(tokens), wait}

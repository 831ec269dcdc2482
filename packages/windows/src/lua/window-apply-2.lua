-- window-apply: apply one event's window operations to ONE subject's keys, atomically and at most
-- once per event id. Every key below carries the subject's hash tag, so they share a slot.
--
-- Called with a variable key count (ioredis: first argument is numKeys); 2 keys are fixed:
-- KEYS[1]   dedupe record of this event on this subject (string: "<contentHash>\n<resultJson>")
-- KEYS[2]   subject meta hash (field wm = highest event time seen, ms)
-- KEYS[3..] operand keys referenced by index from the ops (sorted sets and hashes)
-- ARGV[1]   content hash of the event (a redelivery with another hash is a conflict)
-- ARGV[2]   event time, ms since epoch
-- ARGV[3]   lateness, ms: an event older than wm - lateness is late (dropped); -1 = never late
-- ARGV[4]   dedupe record TTL, ms
-- ARGV[5]   meta hash TTL, ms
-- ARGV[6]   ops, JSON array; each op is one of
--   {o="za", k, m, s, r, c, t, g?, x?}  ZADD member m with score s to KEYS[k]: first drop entries
--        scored below wm - r, skip the add when s is below that too, then keep only the newest
--        c entries, PEXPIRE t. g=true keeps the greater score of an existing member (ZADD GT).
--        x={k, f, le}: skip the add when hash KEYS[x.k] field x.f is a number <= x.le.
--        y=[{k, f, op, v}]: add only when every condition on hash KEYS[y.k] field y.f holds:
--        op "eq" (string equal v), "ge" / "le" (number >= / <= v).
--   {o="zr", k, m, mh?, min?}  ZREM m from KEYS[k] (only when its score >= min, if min is
--        given); mh={k, f}: the member is the value of hash KEYS[mh.k] field mh.f instead
--   {o="zq", k, a, b, l, n}  read n: count of KEYS[k] scored in [a, b] and the first l
--        [member, score] pairs
--   {o="hs", k, f, nx?, t} HSET (HSETNX per field when nx) the fields f on KEYS[k], PEXPIRE t
--   {o="hg", k, n}        read n: HGETALL KEYS[k] as an object
-- ARGV[7]   watermark cap, ms: the watermark never advances past it (an event stamped far in the
--           future by a broken clock must not make the subject's real events late); -1 = none
-- Returns JSON {st, pw, r}: st = "new" | "dup" | "conflict" | "late"; pw = the watermark before
-- this event (false when none); r = {name: read result} (reads are stored by name, so a
-- redelivery planned under another rules config still finds the reads it knows). On "dup" and
-- "conflict" the stored pw and r of the FIRST delivery are returned unchanged, so evaluation on a
-- redelivery reproduces the first one exactly.

local stored = redis.call('GET', KEYS[1])
if stored then
  local nl = string.find(stored, '\n', 1, true)
  local hash = string.sub(stored, 1, nl - 1)
  local body = cjson.decode(string.sub(stored, nl + 1))
  if hash == ARGV[1] then body.st = 'dup' else body.st = 'conflict' end
  return cjson.encode(body)
end

local t = tonumber(ARGV[2])
local lateness = tonumber(ARGV[3])
local wm = tonumber(redis.call('HGET', KEYS[2], 'wm'))
local pw = false
if wm then pw = wm end

if wm and lateness >= 0 and t < wm - lateness then
  local body = { pw = pw, r = {}, st = 'late' }
  redis.call('SET', KEYS[1], ARGV[1] .. '\n' .. cjson.encode(body), 'PX', ARGV[4])
  return cjson.encode(body)
end

local cap = tonumber(ARGV[7] or '-1')
local target = t
if cap >= 0 and target > cap then target = cap end
if (not wm) or target > wm then
  wm = target
  redis.call('HSET', KEYS[2], 'wm', string.format('%d', target))
end
redis.call('PEXPIRE', KEYS[2], ARGV[5])

local ops = cjson.decode(ARGV[6])
local results = { _ = 1 }
for i, op in ipairs(ops) do
  local key = KEYS[op.k]
  local res = false
  if op.o == 'za' then
    local floor = wm - op.r
    redis.call('ZREMRANGEBYSCORE', key, '-inf', '(' .. string.format('%d', floor))
    local skip = op.s < floor
    if (not skip) and op.x then
      local v = tonumber(redis.call('HGET', KEYS[op.x.k], op.x.f))
      if v and v <= op.x.le then skip = true end
    end
    if (not skip) and op.y then
      for _, c in ipairs(op.y) do
        local raw = redis.call('HGET', KEYS[c.k], c.f)
        local ok = false
        if raw then
          if c.op == 'eq' then ok = (raw == c.v)
          elseif c.op == 'ge' then ok = (tonumber(raw) ~= nil and tonumber(raw) >= tonumber(c.v))
          elseif c.op == 'le' then ok = (tonumber(raw) ~= nil and tonumber(raw) <= tonumber(c.v)) end
        end
        if not ok then skip = true end
      end
    end
    if not skip then
      if op.g then
        redis.call('ZADD', key, 'GT', op.s, op.m)
      else
        redis.call('ZADD', key, op.s, op.m)
      end
      local n = redis.call('ZCARD', key)
      if n > op.c then redis.call('ZREMRANGEBYRANK', key, 0, n - op.c - 1) end
    end
    redis.call('PEXPIRE', key, op.t)
  elseif op.o == 'zr' then
    local member = op.m
    if op.mh then member = redis.call('HGET', KEYS[op.mh.k], op.mh.f) end
    if member then
      if op.min then
        local s = tonumber(redis.call('ZSCORE', key, member))
        if s and s >= op.min then redis.call('ZREM', key, member) end
      else
        redis.call('ZREM', key, member)
      end
    end
  elseif op.o == 'zq' then
    local n = redis.call('ZCOUNT', key, op.a, op.b)
    local flat = redis.call('ZRANGEBYSCORE', key, op.a, op.b, 'WITHSCORES', 'LIMIT', 0, op.l)
    local items = {}
    for j = 1, #flat, 2 do
      items[#items + 1] = { flat[j], tonumber(flat[j + 1]) }
    end
    res = { n = n, m = items }
  elseif op.o == 'hs' then
    for f, v in pairs(op.f) do
      if op.nx then redis.call('HSETNX', key, f, v) else redis.call('HSET', key, f, v) end
    end
    redis.call('PEXPIRE', key, op.t)
  elseif op.o == 'hg' then
    local flat = redis.call('HGETALL', key)
    local obj = { _ = 1 }
    for j = 1, #flat, 2 do obj[flat[j]] = flat[j + 1] end
    res = obj
  end
  if res then results[op.n] = res end
end

local body = { pw = pw, r = results, st = 'new' }
local encoded = cjson.encode(body)
redis.call('SET', KEYS[1], ARGV[1] .. '\n' .. encoded, 'PX', ARGV[4])
return encoded

// The Lua scripts behind JobRecords, each one atomic step in Redis, and their typed commands.
import type { Result } from 'ioredis';
import { FINAL_STATES, RETRYABLE_STATES } from './job.types';

export type WriteGuard = 'attempt' | 'active' | 'ended' | 'reopen';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** seq of the stored snapshot; -1 gone, 0 refused by the guard, -2 the seq moved on (a stale read). */
    vpWriteJob(
      jobKey: string, activeKey: string, mediaBytesKey: string, outboxKey: string,
      data: string, state: string, attempt: string, guard: WriteGuard, expectedAttempt: string,
      channel: string, jobId: string, completedBytes: string, expectedSeq: string, kind: string, percent: string,
    ): Result<number, Context>;
    /** 1 reserved, -1 too many active, -2 too many submissions. */
    vpReserveJob(activeKey: string, submissionsKey: string, jobId: string, maxActive: string, maxPerWindow: string, windowSeconds: string): Result<number, Context>;
    vpRemoveJob(
      jobKey: string, allKey: string, ownerKey: string, activeKey: string, mediaBytesKey: string,
      waitingKey: string, parentChildrenKey: string, ownChildrenKey: string,
      jobId: string, channel: string, message: string,
    ): Result<number, Context>;
    /** 1 created, 0 it existed already, -1 its collection ended or went. Extra KEYS: the lists it joins, with `score`. */
    vpCreateWaitingJob(
      numberOfKeys: number, jobKey: string, waitingKey: string, ...rest: string[]
    ): Result<number, Context>;
    /**
     * The ids taken off the owner's waiting list and counted among their active jobs (and this
     * minute's submissions), oldest first; and the ms until the per-minute limit lets the next go (0: not held).
     */
    vpReleaseWaiting(waitingKey: string, activeKey: string, submissionsKey: string, jobKeyPrefix: string, nowMs: string): Result<[string[], number, string[]], Context>;
    /**
     * One batch of a playlist's listing: how many children it made now (0: all made before), -1 the
     * collection ended or went. ARGV after `listTotal`: id, place, data of each child.
     */
    vpCreateChildBatch(
      collectionKey: string, waitingKey: string, childrenKey: string, counterKey: string,
      prefix: string, channel: string, collectionId: string, ownerId: string,
      maxActive: string, maxPerMinute: string, maxMediaBytes: string, listed: string, listTotal: string, ...children: string[]
    ): Result<number, Context>;
    /** state, percent, state, percent… of a collection's children, in playlist order. */
    vpChildStandings(childrenKey: string, jobKeyPrefix: string): Result<string[], Context>;
  }
}

const luaSet = (states: Iterable<string>) => `{ ${[...states].map((s) => `['${s}'] = true`).join(', ')} }`;

// Bumps seq, stores the snapshot and publishes it, all in one step, keeping the owner's active
// set and media bytes exact. A write that ends the job (under the guards a worker or a cancel uses)
// also appends "job.ended" to the outbox in the same step: its follow-ups cannot be lost. A job that waits for its place (`waits`) is counted among the active
// ones by the release script only; a collection holds no place once it is one (its children do).
export const WRITE_SCRIPT = `
local jobKey, activeKey, mediaBytesKey, outboxKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local data, state, attempt, guard, expectedAttempt = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local channel, jobId, completedBytes, expectedSeq, kind, percent = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local FINAL = ${luaSet(FINAL_STATES)}
local RETRYABLE = ${luaSet(RETRYABLE_STATES)}
local cur = redis.call('HMGET', jobKey, 'state', 'attempt', 'seq', 'waits')
local curState, curAttempt, curSeq, waits = cur[1], cur[2], cur[3], cur[4]
if not curState then return -1 end
if expectedSeq ~= '' and curSeq ~= expectedSeq then return -2 end
if guard == 'attempt' and (FINAL[curState] or curAttempt ~= expectedAttempt) then return 0 end
if guard == 'active' and FINAL[curState] then return 0 end
if guard == 'ended' and (curAttempt ~= expectedAttempt or not RETRYABLE[curState]) then return 0 end
if guard == 'reopen' and (curAttempt ~= expectedAttempt or not FINAL[curState]) then return 0 end
local seq = redis.call('HINCRBY', jobKey, 'seq', 1)
redis.call('HSET', jobKey, 'data', data, 'state', state, 'attempt', attempt, 'percent', percent)
if FINAL[state] or kind == 'collection' then redis.call('SREM', activeKey, jobId)
elseif waits ~= '1' then redis.call('SADD', activeKey, jobId) end
if completedBytes ~= '0' then redis.call('INCRBY', mediaBytesKey, completedBytes) end
local published = '{"seq":' .. seq .. ',' .. string.sub(data, 2)
redis.call('PUBLISH', channel, published)
if FINAL[state] and not FINAL[curState] and (guard == 'attempt' or guard == 'active') then
  redis.call('XADD', outboxKey, '*', 'type', 'job.ended', 'data', published)
end
return seq
`;

// Takes a place among an owner's active jobs and counts a submission in their window, or
// refuses, in one step: parallel submissions cannot all pass a check made before any of them.
export const RESERVE_SCRIPT = `
local activeKey, submissionsKey = KEYS[1], KEYS[2]
local jobId, maxActive, maxPerWindow, windowSeconds = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
if maxActive > 0 and redis.call('SISMEMBER', activeKey, jobId) == 0 and redis.call('SCARD', activeKey) >= maxActive then
  return -1
end
if maxPerWindow > 0 then
  local n = redis.call('INCR', submissionsKey)
  if n == 1 then redis.call('EXPIRE', submissionsKey, windowSeconds) end
  if n > maxPerWindow then
    redis.call('DECR', submissionsKey)
    return -2
  end
end
redis.call('SADD', activeKey, jobId)
return 1
`;

export const REMOVE_SCRIPT = `
local jobKey, allKey, ownerKey, activeKey, mediaBytesKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local waitingKey, parentChildrenKey, ownChildrenKey = KEYS[6], KEYS[7], KEYS[8]
local jobId, channel, message = ARGV[1], ARGV[2], ARGV[3]
local fields = redis.call('HMGET', jobKey, 'state', 'data')
if fields[1] == 'completed' then
  local result = cjson.decode(fields[2]).result
  if type(result) == 'table' and tonumber(result.sizeBytes) then redis.call('DECRBY', mediaBytesKey, tonumber(result.sizeBytes)) end
end
redis.call('DEL', jobKey, ownChildrenKey)
redis.call('ZREM', allKey, jobId)
redis.call('ZREM', ownerKey, jobId)
redis.call('ZREM', parentChildrenKey, jobId)
redis.call('ZREM', waitingKey, jobId)
redis.call('SREM', activeKey, jobId)
redis.call('PUBLISH', channel, message)
return 1
`;

// A job that starts on the owner's waiting list (a child, a subscription's find), carrying the
// limits its owner had (0: none), which the release script applies. Creating it twice (a listing
// run again after its worker died) is a no-op; a child of a collection that was
// cancelled or deleted meanwhile is never made (-1), so a cancel sees every child there will be.
export const CREATE_WAITING_SCRIPT = `
local jobKey, waitingKey = KEYS[1], KEYS[2]
local data, jobId, ownerId, order, score, maxActive, parentId, channel, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local maxPerMinute, seenKey, seenMember = ARGV[10], ARGV[11], ARGV[12]
local FINAL = ${luaSet(FINAL_STATES)}
if redis.call('EXISTS', jobKey) == 1 then return 0 end
-- A subscription's find: seen exactly when its job exists (the same step makes both).
if seenKey ~= '' and redis.call('SADD', seenKey, seenMember) == 0 then return 0 end
if parentId ~= '' then
  local parentState = redis.call('HGET', prefix .. parentId, 'state')
  if not parentState or FINAL[parentState] then return -1 end
end
redis.call('HSET', jobKey, 'data', data, 'seq', 1, 'state', 'queued', 'attempt', 1, 'ownerId', ownerId,
  'order', order, 'waits', 1, 'maxActive', maxActive, 'maxPerMinute', maxPerMinute, 'maxMediaBytes', ARGV[13],
  'percent', 0, 'parentId', parentId)
for i = 3, #KEYS do redis.call('ZADD', KEYS[i], score, jobId) end
redis.call('ZADD', waitingKey, order, jobId)
-- Stored without seq (it lives in its own field): published with it, as every other write is.
redis.call('PUBLISH', channel, '{"seq":1,' .. string.sub(data, 2))
return 1
`;

// Moves waiting jobs, oldest first, among the owner's active ones while the limits each job carries
// allow (0 is none): its places, and its submissions in the current 60 s window, which a release
// counts as a POST does. Jobs that ended or went while waiting are dropped; children whose
// collection ended are returned third, never started (the caller ends them).
// Job keys are built from the prefix: vidpipe runs on one Redis, never a cluster.
export const RELEASE_SCRIPT = `
local waitingKey, activeKey, submissionsKey = KEYS[1], KEYS[2], KEYS[3]
local prefix, nowMs = ARGV[1], ARGV[2]
local FINAL = ${luaSet(FINAL_STATES)}
local released, orphans = {}, {}
local rateWaitMs = 0
-- Oldest first; an orphan stays listed (skipped) until the caller has ended it: a death between
-- this step and that write leaves it here for the next release.
for _, id in ipairs(redis.call('ZRANGE', waitingKey, 0, 999)) do
  if #released >= 500 then break end
  local f = redis.call('HMGET', prefix .. id, 'state', 'maxActive', 'maxPerMinute', 'parentId')
  local parentState = nil
  if f[4] and f[4] ~= '' then parentState = redis.call('HGET', prefix .. f[4], 'state') end
  if not f[1] or FINAL[f[1]] then
    redis.call('ZREM', waitingKey, id)
  elseif f[4] and f[4] ~= '' and (not parentState or FINAL[parentState]) then
    table.insert(orphans, id)
  else
    local maxActive, maxPerMinute = tonumber(f[2]) or 0, tonumber(f[3]) or 0
    if maxActive > 0 and redis.call('SCARD', activeKey) >= maxActive then break end
    if maxPerMinute > 0 then
      if (tonumber(redis.call('GET', submissionsKey)) or 0) >= maxPerMinute then
        rateWaitMs = math.max(redis.call('PTTL', submissionsKey), 1)
        break
      end
      if redis.call('INCR', submissionsKey) == 1 then redis.call('EXPIRE', submissionsKey, 60) end
    end
    redis.call('ZREM', waitingKey, id)
    redis.call('SADD', activeKey, id)
    -- When it left the list: the reconciler leaves a job alone this soon after.
    redis.call('HSET', prefix .. id, 'releasedAt', nowMs)
    table.insert(released, id)
  end
end
return { released, rateWaitMs, orphans }
`;

export const CHILD_STANDINGS_SCRIPT = `
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
local out = {}
for _, id in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[1] .. id, 'state', 'percent')
  if f[1] then
    table.insert(out, f[1])
    table.insert(out, f[2] or '0')
  end
end
return out
`;

// One batch of a playlist's listing in one step: the children of its entries (ids derived from the
// collection and the entry's place), waiting for their owner's places, and how far the listing got
// (`listed` of `listTotal` on the collection's record). A place at or below `listed` was made by an
// earlier batch: a re-run after a crash neither copies it nor brings back one deleted since. Nothing
// is made for a collection that ended or went, so a cancel sees every child there will be.
export const CREATE_CHILD_BATCH_SCRIPT = `
local collectionKey, waitingKey, childrenKey, counterKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local prefix, channel, collectionId, ownerId = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local maxActive, maxPerMinute, maxMediaBytes, listed, listTotal = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]), ARGV[9]
local FINAL = ${luaSet(FINAL_STATES)}
local f = redis.call('HMGET', collectionKey, 'state', 'listed')
if not f[1] or FINAL[f[1]] then return -1 end
local before = tonumber(f[2]) or 0
local made = 0
for i = 10, #ARGV, 3 do
  local id, place, data = ARGV[i], tonumber(ARGV[i + 1]), ARGV[i + 2]
  local jobKey = prefix .. id
  if place > before and redis.call('EXISTS', jobKey) == 0 then
    local order = redis.call('INCR', counterKey)
    redis.call('HSET', jobKey, 'data', data, 'seq', 1, 'state', 'queued', 'attempt', 1, 'ownerId', ownerId,
      'order', order, 'waits', 1, 'maxActive', maxActive, 'maxPerMinute', maxPerMinute, 'maxMediaBytes', maxMediaBytes,
      'percent', 0, 'parentId', collectionId)
    redis.call('ZADD', childrenKey, place, id)
    redis.call('ZADD', waitingKey, order, id)
    -- Stored without seq (it lives in its own field): published with it, as every other write is.
    redis.call('PUBLISH', channel, '{"seq":1,' .. string.sub(data, 2))
    made = made + 1
  end
end
redis.call('HSET', collectionKey, 'listed', math.max(before, listed), 'listTotal', listTotal)
return made
`;

"""A token bucket per remote account, kept in Redis so every worker shares it.

Callers reserve tokens before a request. The reservation may drive the bucket
negative; the caller then sleeps exactly until its tokens are restored. That
queues concurrent workers fairly instead of letting them all retry at once.
The bucket lives in one Redis hash and is updated by one Lua script, so the
read-modify-write is atomic across processes and machines. The clock is
Redis's own TIME, so workers with skewed clocks still agree.
"""

import time

_RESERVE = """
local key = KEYS[1]
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', key, 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
tokens = tokens - cost
redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', key, math.ceil(capacity / rate) + 60)
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""

_OBSERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('HSET', KEYS[1], 'tokens', ARGV[1], 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""


class RateBudget:
	"""`redis` is any redis-py client (frappe.cache in production)."""

	def __init__(self, redis, key: str, capacity: float, refill_per_second: float, sleep=time.sleep):
		if capacity <= 0 or refill_per_second <= 0:
			raise ValueError("capacity and refill rate must be positive")
		self.key = key
		self.capacity = float(capacity)
		self.refill_per_second = float(refill_per_second)
		self._sleep = sleep
		self._reserve = redis.register_script(_RESERVE)
		self._observe = redis.register_script(_OBSERVE)

	def reserve(self, cost: float = 1) -> float:
		"""Take `cost` tokens; return how many seconds to wait before using them."""
		if cost > self.capacity:
			raise ValueError(f"cost {cost} exceeds the bucket capacity {self.capacity}")
		wait = self._reserve(keys=[self.key], args=[self.capacity, self.refill_per_second, cost])
		return float(wait)

	def acquire(self, cost: float = 1) -> float:
		"""Reserve and sleep until the tokens are ours. Returns the seconds slept."""
		wait = self.reserve(cost)
		if wait > 0:
			self._sleep(wait)
		return wait

	def observe(
		self, available: float, capacity: float | None = None, refill_per_second: float | None = None
	):
		"""Adopt the remote's own count (e.g. Shopify's throttleStatus), which is the truth."""
		if capacity:
			self.capacity = float(capacity)
		if refill_per_second:
			self.refill_per_second = float(refill_per_second)
		ttl = int(self.capacity / self.refill_per_second) + 60
		self._observe(keys=[self.key], args=[float(available), ttl])

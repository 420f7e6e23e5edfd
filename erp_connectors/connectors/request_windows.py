"""A per-client request limit that every web process shares, without a Redis round trip per request.

The shared count lives in Redis (one key per client, opened by the client's first request, expiring
with its one-minute window). Each process counts what it admits and adds that to the shared count
now and then: at once for a window it has not seen, then whenever its unshared count reaches 1/32 of
what the shared count still allows, or a second has passed. Far from the limit that is one round
trip a second per process; near it, one per request. Over the limit a process refuses on its own
knowledge, without a round trip, until the window ends.

What a process admitted but has not shared yet is what the processes together may admit beyond the
limit: under a flood spread over every process, a few requests; at worst (the others gone quiet
just before sharing) 1/32 of the limit for each other process. Pure: the Redis call is passed in.
"""

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

SHARE_EVERY_SECONDS = 1.0
SHARE_AT_FRACTION_LEFT = 32  # share when the unshared count reaches 1/32 of what the limit leaves
MAX_CLIENTS = 4096  # clients are guests: the cap bounds what they can make a process keep


@dataclass
class _Window:
	shared: int  # the shared count, as of this process's last addition
	unshared: int  # admitted here since then
	shared_at: float
	ends_at: float


# add(key, count) adds count to the shared count and returns (the shared count now, seconds left in
# its window), opening a window when there is none.
AddToShared = Callable[[str, int], tuple[int, float]]


class RequestWindows:
	def __init__(self, add: AddToShared, clock: Callable[[], float] = time.monotonic):
		self._add = add
		self._clock = clock
		self._windows: OrderedDict[str, _Window] = OrderedDict()
		self._lock = threading.Lock()

	def admit(self, key: str, limit: int) -> int | None:
		"""None to admit this request; else the whole seconds until the client may try again."""
		now = self._clock()
		with self._lock:
			window = self._windows.get(key)
			if window is not None and now >= window.ends_at:
				del self._windows[key]
				window = None
			if window is None:
				to_share = 1
			else:
				if window.shared + window.unshared >= limit:
					return _seconds_until(window.ends_at, now)
				window.unshared += 1
				threshold = max(1, (limit - window.shared) // SHARE_AT_FRACTION_LEFT)
				if window.unshared < threshold and now - window.shared_at < SHARE_EVERY_SECONDS:
					return None
				to_share, window.unshared = window.unshared, 0
		shared, seconds_left = self._add(key, to_share)  # outside the lock: one trip, other keys go on
		now = self._clock()
		with self._lock:
			window = self._windows.get(key)
			if window is None:
				window = self._windows[key] = _Window(shared, 0, now, now + seconds_left)
				while len(self._windows) > MAX_CLIENTS:
					self._windows.popitem(last=False)
			else:
				window.shared, window.shared_at, window.ends_at = shared, now, now + seconds_left
			self._windows.move_to_end(key)
			if shared > limit:
				return _seconds_until(window.ends_at, now)
		return None


def _seconds_until(moment: float, now: float) -> int:
	return max(1, math.ceil(moment - now))

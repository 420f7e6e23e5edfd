import threading

import fakeredis
import pytest

from erp_connectors.connectors.rate_budget import RateBudget


@pytest.fixture
def redis():
	return fakeredis.FakeRedis()


def test_full_bucket_grants_immediately_then_queues(redis):
	budget = RateBudget(redis, "rl:shop", capacity=10, refill_per_second=2)
	waits = [budget.reserve(1) for _ in range(10)]
	assert waits == [0.0] * 10
	# the 11th token is one refill away (0.5 s at 2/s), the 12th one more
	assert budget.reserve(1) == pytest.approx(0.5, abs=0.05)
	assert budget.reserve(1) == pytest.approx(1.0, abs=0.05)


def test_cost_larger_than_bucket_is_refused(redis):
	budget = RateBudget(redis, "rl:big", capacity=50, refill_per_second=10)
	with pytest.raises(ValueError):
		budget.reserve(51)


def test_budget_is_shared_by_every_client_of_the_same_key(redis):
	a = RateBudget(redis, "rl:shared", capacity=5, refill_per_second=1)
	b = RateBudget(redis, "rl:shared", capacity=5, refill_per_second=1)
	other = RateBudget(redis, "rl:other", capacity=5, refill_per_second=1)
	assert [a.reserve(), b.reserve(), a.reserve(), b.reserve(), a.reserve()] == [0.0] * 5
	assert b.reserve() > 0.9  # the bucket a drained is the one b draws from
	assert other.reserve() == 0.0  # another account is untouched


def test_concurrent_workers_never_overdraw(redis):
	budget = RateBudget(redis, "rl:race", capacity=100, refill_per_second=0.001)
	waits = []
	lock = threading.Lock()

	def worker():
		for _ in range(25):
			wait = budget.reserve(1)
			with lock:
				waits.append(wait)

	threads = [threading.Thread(target=worker) for _ in range(8)]
	for t in threads:
		t.start()
	for t in threads:
		t.join()
	granted_now = sum(1 for w in waits if w == 0)
	assert len(waits) == 200
	assert granted_now == 100  # exactly the bucket, not one more


def test_acquire_sleeps_for_the_reserved_wait(redis):
	slept = []
	budget = RateBudget(redis, "rl:sleep", capacity=1, refill_per_second=4, sleep=slept.append)
	budget.acquire()
	budget.acquire()
	assert slept == [pytest.approx(0.25, abs=0.03)]


def test_observe_adopts_the_remote_count(redis):
	budget = RateBudget(redis, "rl:obs", capacity=1000, refill_per_second=100)
	budget.observe(available=50, capacity=1000, refill_per_second=100)
	assert budget.reserve(50) == 0.0
	assert budget.reserve(100) == pytest.approx(1.0, abs=0.05)

from erp_connectors.connectors.request_windows import MAX_CLIENTS, RequestWindows

WINDOW = 60.0


class Clock:
	def __init__(self):
		self.now = 1000.0

	def __call__(self):
		return self.now


class SharedCounts:
	"""What the Redis pipeline does: SET key 0 EX 60 NX, INCRBY key n, TTL key."""

	def __init__(self, clock):
		self.clock = clock
		self.counts: dict[str, tuple[int, float]] = {}
		self.trips = 0

	def add(self, key, count):
		self.trips += 1
		shared, expires_at = self.counts.get(key, (0, 0.0))
		if self.clock() >= expires_at:
			shared, expires_at = 0, self.clock() + WINDOW
		self.counts[key] = (shared + count, expires_at)
		return shared + count, expires_at - self.clock()


def processes(count):
	clock = Clock()
	shared = SharedCounts(clock)
	return clock, shared, [RequestWindows(shared.add, clock) for _ in range(count)]


def test_one_process_admits_exactly_the_limit_and_says_when_to_come_back():
	clock, _, (process,) = processes(1)
	answers = []
	for _ in range(7):
		answers.append(process.admit("client", 5))
		clock.now += 1
	assert answers[:5] == [None] * 5
	assert answers[5:] == [55, 54]  # the window opened with the first request


def test_far_below_the_limit_a_process_shares_its_count_about_once_a_second():
	clock, shared, workers = processes(4)
	for request in range(10_000):  # 10 s at 1,000 requests a second, spread over four processes
		assert workers[request % 4].admit("client", 1_000_000) is None
		clock.now += 0.001
	assert 40 <= shared.trips <= 48
	assert shared.counts["client"][0] >= 10_000 - 4 * 1000  # at most a second's worth not yet shared


def test_a_flood_spread_over_the_processes_gets_through_the_limit_and_a_few_more_at_most():
	clock, shared, workers = processes(4)
	admitted = 0
	for request in range(5_000):
		admitted += workers[request % 4].admit("flood", 600) is None
		clock.now += 0.0005
	assert 600 <= admitted <= 600 + 4
	trips_at_the_limit = shared.trips
	for request in range(1_000):
		assert workers[request % 4].admit("flood", 600) is not None
	assert shared.trips == trips_at_the_limit  # refused on what each process already knows


def test_processes_gone_quiet_before_sharing_let_at_most_a_32nd_of_the_limit_each_through():
	clock, _, workers = processes(4)
	quiet, busy = workers[:3], workers[3]
	admitted = 0
	for process in quiet:  # the first request opens its window (shared at once); 18 more stay unshared
		for _ in range(640 // 32 - 1):
			admitted += process.admit("client", 640) is None
	while busy.admit("client", 640) is None:
		admitted += 1
	assert 640 < admitted <= 640 + 3 * (640 // 32)
	assert quiet[0].admit("client", 640) is not None  # its next request shares, and is refused


def test_a_new_window_opens_when_the_old_one_ends():
	clock, _, (process, other) = processes(2)
	for _ in range(3):
		assert process.admit("client", 3) is None
	assert process.admit("client", 3) == 60
	assert other.admit("client", 3) == 60  # a process new to the window learns it from the count
	clock.now += WINDOW
	assert process.admit("client", 3) is None
	assert other.admit("client", 3) is None


def test_a_raised_limit_applies_to_a_client_already_refused():
	clock, _, (process,) = processes(1)
	for _ in range(3):
		process.admit("client", 3)
	assert process.admit("client", 3) is not None
	assert process.admit("client", 1_000) is None


def test_clients_are_counted_apart_and_a_process_keeps_a_bounded_number():
	clock, shared, (process,) = processes(1)
	assert process.admit("one", 1) is None
	assert process.admit("one", 1) is not None
	assert process.admit("two", 1) is None
	for number in range(MAX_CLIENTS + 1):
		process.admit(f"guest-{number}", 1_000_000)
	trips = shared.trips
	assert process.admit(f"guest-{MAX_CLIENTS}", 1_000_000) is None
	assert shared.trips == trips  # a client it keeps: counted here, no trip within the second
	assert process.admit("guest-0", 1_000_000) is None
	assert shared.trips == trips + 1  # the oldest was let go: its window is read afresh

"""How healthy one connected account is, from figures the Account Health report reads. Pure.

Red (Unhealthy): something a person must act on now, and nothing retries it away: dead events, a
connection Shopify or the provider no longer accepts, the last call refused. Orange (Attention):
held or failed events, a backlog waiting longer than it should, a connection that lapses soon.
Green otherwise; grey for a disabled account. Each level comes with the reasons, in words.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

RED, ORANGE, GREEN, GREY = "red", "orange", "green", "grey"
LABELS = {RED: "Unhealthy", ORANGE: "Attention", GREEN: "Healthy", GREY: "Disabled"}
# A backlog older than this is stuck, not just busy (the sweep runs every minute).
STUCK_AFTER = timedelta(minutes=15)


@dataclass
class Figures:
	enabled: bool = True
	queued: int = 0
	failed: int = 0
	held: int = 0
	dead: int = 0
	oldest_backlog: datetime | None = None  # received_at of the oldest queued or failed event
	last_call_status: int | None = None  # HTTP status of the account's last logged call (0: no answer)
	token_level: str = GREEN  # the connection's own state (see shopify_connector.connection_state)
	token_text: str = ""
	extra: list = field(default_factory=list)  # (level, reason) a connector adds

	@property
	def backlog(self) -> int:
		return self.queued + self.failed


def assess(figures: Figures, now: datetime) -> tuple[str, list[str]]:
	"""(level, reasons) for the account."""
	if not figures.enabled:
		return GREY, ["Disabled"]
	found: list[tuple[str, str]] = []
	if figures.dead:
		found.append((RED, f"{figures.dead} dead event(s) to retry"))
	if figures.token_level in (RED, ORANGE) and figures.token_text:
		found.append((figures.token_level, figures.token_text))
	status = figures.last_call_status
	if status is not None and (status == 0 or status >= 400):
		level = RED if status in (0, 401, 403) or status >= 500 else ORANGE
		found.append((level, f"Last call failed ({status or 'no answer'})"))
	if figures.held:
		found.append((ORANGE, f"{figures.held} held event(s) to fix"))
	if figures.failed:
		found.append((ORANGE, f"{figures.failed} event(s) failing, retried with backoff"))
	if figures.oldest_backlog and now - figures.oldest_backlog > STUCK_AFTER:
		minutes = int((now - figures.oldest_backlog).total_seconds() // 60)
		found.append((ORANGE, f"Backlog waiting for {minutes} minutes"))
	found += list(figures.extra)
	if not found:
		return GREEN, []
	level = RED if any(level == RED for level, _ in found) else ORANGE
	ordered = [reason for lvl, reason in found if lvl == RED] + [
		reason for lvl, reason in found if lvl != RED
	]
	return level, ordered

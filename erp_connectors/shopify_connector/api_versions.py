"""Shopify Admin API versions: which exist, when each leaves support, and the one we pin. Pure.

Shopify releases a stable version at the start of every quarter and supports each for at least
12 months (shopify.dev/docs/api/usage/versioning). A request to a version past its support is not
refused: Shopify "falls forward" and answers it as the oldest version still supported, a schema
the app was never tested against. Moving to a new version: add its Admin schema under tests/data,
one line to RELEASES, and set PINNED.
"""

from dataclasses import dataclass
from datetime import date

PINNED = "2026-10"

# handle: (release date, supported until), as Shopify publishes its release schedule
RELEASES = {
	"2025-01": (date(2025, 1, 1), date(2026, 1, 1)),
	"2025-04": (date(2025, 4, 1), date(2026, 4, 1)),
	"2025-07": (date(2025, 7, 1), date(2026, 7, 1)),
	"2025-10": (date(2025, 10, 1), date(2026, 10, 1)),
	"2026-01": (date(2026, 1, 1), date(2027, 1, 1)),
	"2026-04": (date(2026, 4, 1), date(2027, 4, 1)),
	"2026-07": (date(2026, 7, 1), date(2027, 7, 1)),
	"2026-10": (date(2026, 10, 1), date(2027, 10, 1)),
}


@dataclass(frozen=True)
class VersionSupport:
	version: str
	on: date
	until: date | None  # the day support ends; None for a version Shopify never released

	@property
	def known(self) -> bool:
		return self.until is not None

	@property
	def supported(self) -> bool:
		return self.known and self.on < self.until

	def describe(self) -> str:
		if not self.known:
			return f"Shopify has no API version {self.version}."
		if self.supported:
			return f"API version {self.version} is supported until {self.until.isoformat()}."
		served = served_version(self.version, self.on)
		answered = f" Shopify now answers it as {served}." if served else ""
		return f"API version {self.version} left Shopify's support on {self.until.isoformat()}.{answered}"


def support(version: str, on: date) -> VersionSupport:
	"""Whether `version` is supported on `on`, and until when."""
	release = RELEASES.get((version or "").strip())
	return VersionSupport(version, on, release[1] if release else None)


def served_version(requested: str, on: date) -> str | None:
	"""The version Shopify answers a request for `requested` with on `on`: itself while supported
	(or before its release, as a release candidate), else the oldest supported one; None for a
	version Shopify never released, or when no version we know is supported any more."""
	if requested not in RELEASES:
		return None
	if on < RELEASES[requested][1]:
		return requested
	current = [version for version, (start, end) in RELEASES.items() if start <= on < end]
	return min(current) if current else None


WARN_DAYS = 60


def warning(version: str, on: date, within_days: int = WARN_DAYS) -> str | None:
	"""What the Shopify Store form warns about its API version: unknown, out of support, or leaving
	support within `within_days`; None while it is safely supported."""
	state = support(version, on)
	if not state.supported:
		return state.describe()
	left = (state.until - on).days
	if left <= within_days:
		return (
			f"API version {version} leaves Shopify's support on {state.until.isoformat()}, in {left} days. "
			f"Move to {PINNED}, the version this app is tested against."
			if version != PINNED
			else f"API version {version} leaves Shopify's support on {state.until.isoformat()}, in {left} days."
		)
	return None

"""Where our credentials may go: an allowlist of hosts per service, checked on every request.

A base URL override, a label URL or a bulk-result URL handed to us by a remote
could point at an internal address (a cloud metadata service, a database) or at
a host that collects our API keys. Every outbound request goes through a
`GuardedAdapter`, which refuses, before anything is sent:
- a scheme other than https;
- a host that is not one of the service's own (exact names, or `*.suffix`);
- a host that resolves to a private, loopback, link-local or otherwise
  non-public address.
requests sends every redirect hop through the adapter again, so a redirect to
another host is refused the same way.

Developer mode (`open=True`) lifts all three, so tests and sandboxes can use
fakes on 127.0.0.1. Pure Python: no frappe.
"""

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from erp_connectors.connectors.errors import PermanentError, TransientError

# Files that providers hand us links to live on their storage buckets.
S3 = ("*.amazonaws.com",)
GOOGLE_STORAGE = ("storage.googleapis.com",)


class OutboundRefused(PermanentError):
	"""A request to a host our policy does not allow; nothing was sent."""


def _resolve(host: str) -> list[str]:
	return [info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


def host_matches(host: str, patterns: Iterable[str]) -> bool:
	host = host.lower().rstrip(".")
	for pattern in patterns:
		pattern = pattern.lower()
		if pattern.startswith("*."):
			if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
				return True
		elif host == pattern:
			return True
	return False


def is_public(address: str) -> bool:
	ip = ipaddress.ip_address(address.split("%", 1)[0])
	if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
		ip = ip.ipv4_mapped
	return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class HostPolicy:
	"""The hosts one service may be called on. `open` is developer mode: anything goes."""

	service: str
	hosts: tuple[str, ...]
	open: bool = False
	resolve: Callable[[str], list[str]] = _resolve
	schemes: tuple[str, ...] = ("https",)

	def check(self, url: str) -> None:
		if self.open:
			return
		parts = urlsplit(url)
		host = parts.hostname or ""
		if parts.scheme not in self.schemes:
			raise OutboundRefused(f"{self.service} is only called over https, not {url.split('?')[0]!r}")
		if not host_matches(host, self.hosts):
			allowed = ", ".join(self.hosts)
			raise OutboundRefused(f"{host!r} is not a {self.service} host (allowed: {allowed})")
		try:
			addresses = self.resolve(host)
		except OSError as error:
			# As a failed connection would be: perhaps a DNS blip, so retried later.
			raise TransientError(f"Could not resolve {host!r}: {error}") from None
		if not addresses or not all(is_public(address) for address in addresses):
			raise OutboundRefused(f"{host!r} resolves to an address that is not public; refused")

	def widened(self, *hosts: str) -> "HostPolicy":
		return HostPolicy(self.service, self.hosts + tuple(hosts), self.open, self.resolve, self.schemes)

	def session(self) -> requests.Session:
		"""A requests Session whose every request and redirect hop is checked against this policy."""
		session = requests.Session()
		adapter = GuardedAdapter(self)
		session.mount("https://", adapter)
		session.mount("http://", adapter)
		return session


class GuardedAdapter(HTTPAdapter):
	def __init__(self, policy: HostPolicy, **kwargs):
		super().__init__(**kwargs)
		self.policy = policy

	def send(self, request, *args, **kwargs):
		self.policy.check(request.url)
		return super().send(request, *args, **kwargs)


def check_base_url(url: str, policy: HostPolicy) -> str:
	"""For a form's *API Base URL Override*: the URL if the policy allows it, else OutboundRefused."""
	url = (url or "").strip()
	if url:
		policy.check(url)
	return url

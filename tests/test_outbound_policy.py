"""Where credentials may go: https, the service's own hosts, public addresses only; capped downloads;
redirects checked hop by hop."""

import pytest

from erp_connectors.connectors.errors import PermanentError, TransientError
from erp_connectors.connectors.http import HttpClient
from erp_connectors.connectors.outbound import HostPolicy, OutboundRefused, host_matches, is_public
from erp_connectors.testing.fake_server import FakeService, Response, route

PUBLIC = {"api.stripe.com": ["54.187.174.169"], "acme.myshopify.com": ["23.227.38.65"]}


def resolver(table):
	def resolve(host):
		if host not in table:
			raise OSError("Name or service not known")
		return table[host]

	return resolve


def policy(hosts=("api.stripe.com",), table=None, open=False):
	return HostPolicy("Stripe", tuple(hosts), open=open, resolve=resolver(PUBLIC if table is None else table))


def test_the_providers_own_host_over_https_is_allowed():
	policy().check("https://api.stripe.com/v1/balance")
	HostPolicy("Shopify", ("*.myshopify.com",), resolve=resolver(PUBLIC)).check(
		"https://acme.myshopify.com/admin/api/2026-10/graphql.json"
	)


@pytest.mark.parametrize(
	"url, reason",
	[
		("http://api.stripe.com/v1/balance", "https"),
		("https://evil.example/v1/balance", "not a Stripe host"),
		("https://api.stripe.com.evil.example/v1", "not a Stripe host"),
		("https://myshopify.com/admin", "not a Stripe host"),
	],
)
def test_other_schemes_and_hosts_are_refused(url, reason):
	with pytest.raises(OutboundRefused, match=reason):
		policy().check(url)


@pytest.mark.parametrize(
	"address",
	[
		"169.254.169.254",
		"127.0.0.1",
		"10.0.0.5",
		"192.168.1.10",
		"172.16.0.1",
		"::1",
		"fe80::1",
		"::ffff:10.0.0.1",
	],
)
def test_an_allowed_name_that_resolves_to_a_private_address_is_refused(address):
	rebound = policy(table={"api.stripe.com": ["54.187.174.169", address]})
	with pytest.raises(OutboundRefused, match="not public"):
		rebound.check("https://api.stripe.com/v1/balance")


def test_an_unresolvable_host_is_a_transient_failure_and_a_refusal_is_permanent():
	with pytest.raises(TransientError, match="resolve"):
		policy(table={}).check("https://api.stripe.com/v1")
	assert issubclass(OutboundRefused, PermanentError)


def test_developer_mode_allows_local_fakes():
	policy(open=True).check("http://127.0.0.1:8000/v1/balance")


def test_host_patterns_and_public_addresses():
	assert host_matches("shop.myshopify.com", ["*.myshopify.com"])
	assert not host_matches("myshopify.com.attacker.io", ["*.myshopify.com"])
	assert not host_matches(".myshopify.com", ["*.myshopify.com"])
	assert is_public("8.8.8.8") and not is_public("100.64.0.1") and not is_public("224.0.0.1")


class Files(FakeService):
	@route("GET", r"/label\.pdf")
	def label(self, request):
		return Response(200, b"%PDF-1.4 " + b"x" * 2000, {"Content-Type": "application/pdf"})

	@route("GET", r"/hop")
	def hop(self, request):
		return Response(302, b"", {"Location": request.query["to"]})

	@route("GET", r"/v1/thing")
	def moved(self, request):
		return Response(301, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})


def plain_http_policy(table):
	"""The fake speaks plain http on 127.0.0.1; everything else about the policy is as in production."""
	return HostPolicy("Carrier", tuple(table), resolve=resolver(table), schemes=("http",))


def test_download_is_capped_and_reads_the_file():
	with Files() as fake:
		client = HttpClient(fake.url, policy=plain_http_policy({"127.0.0.1": ["93.184.216.34"]}))
		assert client.download(f"{fake.url}/label.pdf").startswith(b"%PDF")
		with pytest.raises(PermanentError, match="limit"):
			client.download(f"{fake.url}/label.pdf", max_bytes=1000)


@pytest.mark.parametrize(
	"target, reason",
	[
		("http://169.254.169.254/latest/meta-data/", "not a Carrier host"),
		("http://files.test/label.pdf", "not public"),
	],
)
def test_each_redirect_hop_is_checked_again(target, reason):
	with Files() as fake:
		table = {"127.0.0.1": ["93.184.216.34"], "files.test": ["10.1.2.3"]}
		client = HttpClient(fake.url, policy=plain_http_policy(table))
		with pytest.raises(OutboundRefused, match=reason):
			client.download(f"{fake.url}/hop?to={target}")
		assert [r.path for r in fake.requests] == ["/hop"]  # the first hop was allowed, the second never sent


def test_an_api_call_never_follows_a_redirect():
	with Files() as fake:
		client = HttpClient(fake.url, policy=HostPolicy("Carrier", (), open=True))
		with pytest.raises(PermanentError, match="redirect"):
			client.request("GET", "/v1/thing")
		assert [r.path for r in fake.requests] == ["/v1/thing"]

"""What every fake carrier shares: fixture loading, Basic auth parsing, webhook deliveries."""

import base64
import binascii
import copy
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

# The real example payloads live in the repository's tests/data (copied from the providers' docs).
FIXTURES_DIR = Path(__file__).resolve().parents[3] / "tests" / "data"

# Minimal but real file headers, so a test can tell a label file from an error page.
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< >>\n%%EOF\n"


def zpl_label(text: str) -> bytes:
	"""A minimal ZPL II label, as a thermal printer takes it."""
	return f"^XA^FO50,50^A0N,40,40^FD{text}^FS^XZ".encode()


PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"


@dataclass
class WebhookDelivery:
	"""A delivery as the provider would send it: raw body bytes, headers and the URL query."""

	body: bytes
	headers: dict
	query: dict = field(default_factory=dict)

	@property
	def lower_headers(self) -> dict:
		"""Headers as the shared intake passes them to a source (names lower-cased)."""
		return {key.lower(): value for key, value in self.headers.items()}


def load_fixture(name: str, fixtures_dir: Path | None = None):
	with open((fixtures_dir or FIXTURES_DIR) / name, encoding="utf-8") as handle:
		return json.load(handle)


def fresh(data):
	return copy.deepcopy(data)


def basic_credentials(request) -> tuple[str, str] | None:
	header = request.header("authorization") or ""
	if not header.startswith("Basic "):
		return None
	try:
		user, _, password = base64.b64decode(header[6:]).decode().partition(":")
	except (binascii.Error, UnicodeDecodeError):
		return None
	return user, password


def hex_id(prefix: str = "") -> str:
	return f"{prefix}{secrets.token_hex(16)}"


def digits(count: int) -> str:
	return "".join(secrets.choice("0123456789") for _ in range(count))


def compact(payload) -> bytes:
	return json.dumps(payload, separators=(",", ":")).encode()

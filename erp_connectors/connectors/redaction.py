"""Remove secrets and mask personal data before anything is logged."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_KEY_PARTS = (
	"authorization",
	"password",
	"secret",
	"token",
	"api_key",
	"apikey",
	"api-key",
	"signature",
	"hmac",
	"cookie",
	"client_secret",
	"cvc",
)
# Compared with the key lower-cased and without "_" or "-", so first_name, firstName and
# first-name are one key.
PII_KEYS = {
	"email",
	"contactemail",
	"customeremail",
	"receiptemail",
	"emailaddress",
	"phone",
	"phonenumber",
	"mobile",
	"firstname",
	"lastname",
	"fullname",
	"address1",
	"address2",
	"addressline1",
	"addressline2",
	"street",
	"street1",
	"street2",
	"addressstreet",
	"addresshouse",
	"housenumber",
	"name1",
	"name2",
	"name3",
	"companyname",
	"line1",
	"line2",
	"city",
	"zip",
	"postalcode",
	"postcode",
	"taxid",
	"vatnumber",
}
# "name" and "company" are personal only where they sit beside an address or contact detail
# (an order's name "#1001" or a product's name stays readable).
CONTACT_NAME_KEYS = {"name", "company", "contactname", "attention"}
# Card details and label files (which print the address) are dropped whole.
DROPPED_KEYS = {"card", "b64", "labeldata", "label_data", "labelbytes", "zpl"}
REDACTED = "***"
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")


def is_secret_key(key: str) -> bool:
	lowered = str(key).lower()
	return any(part in lowered for part in SECRET_KEY_PARTS)


class Secret(str):
	"""A credential: the value wherever it is used, masked wherever it is shown.

	Frappe's Error Log prints every frame's local variables, and masks only a few exact dict keys;
	a settings dict holding `api_key` would go out in clear. Held as a Secret, the value prints as
	asterisks in any repr (a dict, a list, a dataclass, a traceback's locals)."""

	__slots__ = ()

	def __repr__(self) -> str:
		return "'********'"


def secret(value):
	return Secret(value) if isinstance(value, str) and value else value


def _plain_key(key) -> str:
	return str(key).lower().replace("_", "").replace("-", "")


def _dropped(value):
	if value in (None, ""):
		return value
	size = len(value) if isinstance(value, str | bytes) else None
	return f"<removed{f': {size} characters' if size is not None else ''}>"


def mask(value):
	if value is None or value == "":
		return value
	text = str(value)
	if "@" in text:
		return _EMAIL.sub(r"\1***@\2", text)
	return text[:1] + REDACTED if len(text) > 4 else REDACTED


def redact(data, secrets: tuple[str, ...] = ()):
	"""Return a copy of `data` (dict, list or str) with secrets removed and PII masked.

	`secrets` are literal values (an access token, say) that must not appear
	anywhere, even inside free text or a URL.
	"""
	if isinstance(data, dict):
		contact = any(_plain_key(key) in PII_KEYS for key in data)
		out = {}
		for key, value in data.items():
			plain = _plain_key(key)
			if plain in DROPPED_KEYS or str(key).lower() in DROPPED_KEYS:
				out[key] = _dropped(value)
			elif is_secret_key(key) and not isinstance(value, dict | list):
				out[key] = REDACTED if value not in (None, "") else value
			elif (plain in PII_KEYS or (contact and plain in CONTACT_NAME_KEYS)) and not isinstance(
				value, dict | list
			):
				out[key] = mask(value)
			else:
				out[key] = redact(value, secrets)
		return out
	if isinstance(data, list | tuple):
		return [redact(value, secrets) for value in data]
	if isinstance(data, str):
		return scrub_text(data, secrets)
	return data


def scrub_text(text: str, secrets: tuple[str, ...] = ()) -> str:
	for secret in secrets:
		if secret and len(secret) >= 4:
			text = text.replace(secret, REDACTED)
	return _EMAIL.sub(r"\1***@\2", text)


def redact_url(url: str, secrets: tuple[str, ...] = ()) -> str:
	parts = urlsplit(url)
	query = [
		(k, REDACTED if is_secret_key(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
	]
	netloc = parts.netloc.rsplit("@", 1)[-1]
	cleaned = urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*"), ""))
	return scrub_text(cleaned, secrets)

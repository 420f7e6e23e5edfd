"""ERPNext stock -> Shopify "available" quantities with inventorySetQuantities. Pure.

Only quantities that differ from what was last pushed are sent, 250 per call
(Shopify's input-array cap), each with changeFromQuantity so Shopify refuses a
change computed from a stale value. Each call carries an @idempotent key, reused
when the HTTP layer retries the same call. A batch is applied whole or not at
all; ERPNext is the source of truth, so a batch refused as stale (someone changed
stock in Shopify meanwhile) is re-sent once with changeFromQuantity null, which
tells Shopify to set the quantities regardless.
"""

import uuid
from dataclasses import dataclass, field

from erp_connectors.connectors.errors import PermanentError
from erp_connectors.shopify_connector.graphql_client import ShopifyGraphQL

BATCH = 250
MUTATION_COST = 10

SET_QUANTITIES = """
mutation SetQuantities($input: InventorySetQuantitiesInput!, $key: String!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { id }
    userErrors { field message code }
  }
}
"""


@dataclass
class PushResult:
	pushed: dict = field(default_factory=dict)  # (item gid, location gid) -> quantity now in Shopify
	calls: int = 0
	sent: int = 0
	forced: int = 0


def plan(levels: dict, last_pushed: dict, everything: bool = False) -> list[dict]:
	"""Quantities to send: only those that differ from the last pushed value (all of them, for a
	full reconcile, which also repairs what someone changed in Shopify since)."""
	changes = []
	for (item, location), quantity in sorted(levels.items()):
		quantity = int(quantity)
		previous = last_pushed.get((item, location))
		if previous is not None and int(previous) == quantity and not everything:
			continue
		changes.append(
			{
				"inventoryItemId": item,
				"locationId": location,
				"quantity": quantity,
				"changeFromQuantity": previous,
			}
		)
	return changes


def push(
	client: ShopifyGraphQL, changes: list[dict], reason: str = "correction", reference: str | None = None
):
	result = PushResult()
	for start in range(0, len(changes), BATCH):
		batch = changes[start : start + BATCH]
		stale = _send(client, batch, reason, reference, result)
		if stale:
			forced = [{**change, "changeFromQuantity": None} for change in batch]
			if _send(client, forced, reason, reference, result):
				raise PermanentError(
					"Shopify refused stock quantities twice", remote_message=_describe(stale)
				)
			result.forced += len(stale)
	return result


def _send(client, batch, reason, reference, result) -> list[dict]:
	"""Send one batch. Returns the changes Shopify refused as stale (then nothing was applied)."""
	payload = {"name": "available", "reason": reason, "quantities": batch}
	if reference:
		payload["referenceDocumentUri"] = reference
	data = client.execute(SET_QUANTITIES, {"input": payload, "key": str(uuid.uuid4())}, cost=MUTATION_COST)
	result.calls += 1
	errors = data["inventorySetQuantities"]["userErrors"] or []
	other = [e for e in errors if e.get("code") != "CHANGE_FROM_QUANTITY_STALE"]
	if other:
		raise PermanentError(
			"Shopify refused stock quantities", remote_message="; ".join(e["message"] for e in other)
		)
	if errors:
		stale = {_index(e) for e in errors}
		return [change for i, change in enumerate(batch) if i in stale]
	for change in batch:
		result.pushed[(change["inventoryItemId"], change["locationId"])] = change["quantity"]
	result.sent += len(batch)
	return []


def _index(error: dict) -> int | None:
	# field looks like ["input", "quantities", "3", "changeFromQuantity"]
	path = error.get("field") or []
	return int(path[2]) if len(path) > 2 and str(path[2]).isdigit() else None


def _describe(changes) -> str:
	return ", ".join(f"{c['inventoryItemId']} at {c['locationId']}" for c in changes[:10])

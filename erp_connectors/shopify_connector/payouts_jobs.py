"""Frappe half of Shopify Payments payouts: the hourly job and the Sync Payouts button.

Each paid payout Shopify lists becomes a Connector Event (`shopify_payments/payout`, keyed by the
payout id, so listing it twice stores it once), processed like a webhook by payouts.post_shopify_payout:
a payout that cannot be posted is Held there with the reason and a Retry button.
"""

from datetime import datetime, timedelta, timezone

import frappe

from erp_connectors.connectors import call_log, intake
from erp_connectors.connectors.desk import user_facing
from erp_connectors.connectors.processing import enqueue_event
from erp_connectors.connectors.sources import InboundEvent
from erp_connectors.shopify_connector.integration import BINDING, client_for
from erp_connectors.shopify_connector.payouts import PAYOUT_TOPIC, paid_payouts

# Payouts are listed again from a few days before the newest one seen: Shopify may mark a payout
# paid a day or two after it was issued.
LOOK_BACK = timedelta(days=5)


def sync_all_payouts():
	"""Hourly: one job per store that posts payouts."""
	for name in frappe.get_all("Shopify Store", filters={"enabled": 1, "sync_payouts": 1}, pluck="name"):
		frappe.enqueue(
			"erp_connectors.shopify_connector.payouts_jobs.sync_store_payouts",
			job_id=f"shopify_payouts::{name}",
			deduplicate=True,
			store_name=name,
		)


def sync_store_payouts(store_name: str) -> dict:
	"""Store every paid payout issued since the cursor (less the look-back) as an event; returns counts."""
	store = frappe.get_doc("Shopify Store", store_name)
	cursor = store.payouts_synced_until
	since = (cursor - LOOK_BACK).strftime("%Y-%m-%dT%H:%M:%SZ") if cursor else None
	newest, found, queued = cursor, 0, 0
	try:
		for node in paid_payouts(client_for(store), since):
			found += 1
			event = InboundEvent(
				event_id=f"payout:{node['legacyResourceId']}",
				topic=PAYOUT_TOPIC,
				payload=node,
				occurred_at=_utc(node["issuedAt"]).strftime("%Y-%m-%d %H:%M:%S"),
			)
			name, duplicate = intake.store_event(BINDING.source, store.name, event, {})
			if not duplicate:
				enqueue_event(name)
				queued += 1
			issued = _utc(node["issuedAt"])
			newest = max(newest, issued) if newest else issued
	finally:
		if newest != cursor:
			frappe.db.set_value("Shopify Store", store.name, "payouts_synced_until", newest)
			frappe.db.commit()
		call_log.flush()
	return {"found": found, "queued": queued}


@frappe.whitelist(methods=["POST"])
@user_facing("Shopify")
def sync_payouts_now(store: str) -> dict:
	"""Desk: Sync Payouts. Lists the paid payouts now; each new one is posted by a worker."""
	frappe.has_permission("Shopify Store", "write", store, throw=True)
	if not frappe.db.get_value("Shopify Store", store, "sync_payouts"):
		frappe.throw(frappe._("Turn on 'Post Shopify Payments Payouts' first."))
	return sync_store_payouts(store)


def _utc(stamp: str) -> datetime:
	moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
	return moment.astimezone(timezone.utc).replace(tzinfo=None)

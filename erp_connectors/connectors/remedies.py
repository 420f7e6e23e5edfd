"""What a held event needs fixed, in a shape Desk can offer as buttons. Pure.

A handler that holds an event (NeedsAttention) may name the fixes: one Remedy per thing to fix,
such as a Shopify line whose SKU has no Item, or a tax title with no account. A remedy holds only
facts from the remote payload (`data`); its `kind` names the Frappe half that knows how to tell
whether it is resolved and how to resolve it (hook `connector_remedies`, see remedy_actions). The
event keeps its remedies as JSON; the Connector Event form renders any kind the same way.

Held events are also counted by reason (the workspace chart): the error's own `reason`, else the
reason of its remedies' kind, else the message with what varies (ids, amounts, quoted names) cut out.
"""

import json
import re
from dataclasses import asdict, dataclass, field

REASON_LENGTH = 120


@dataclass(frozen=True)
class Remedy:
	kind: str  # the registered kind whose Frappe half resolves it
	key: str  # unique within the event, stable across attempts: "variant:123", "tax:State Tax"
	title: str  # what is wrong, in words; remote text, shown escaped
	reason: str = ""  # the short label held events are counted by
	data: dict = field(default_factory=dict)  # the remote facts the fix needs

	def as_dict(self) -> dict:
		return asdict(self)


def dump(remedies) -> str | None:
	"""The remedies as the event stores them (None when there are none); keys stay unique."""
	unique = {}
	for remedy in remedies or ():
		unique.setdefault(remedy.key, remedy)
	if not unique:
		return None
	return json.dumps([remedy.as_dict() for remedy in unique.values()], indent=1, sort_keys=True)


def load(text: str | None) -> list[Remedy]:
	if not text:
		return []
	try:
		rows = json.loads(text)
	except ValueError:
		return []
	return [
		Remedy(
			kind=str(row["kind"]),
			key=str(row["key"]),
			title=str(row.get("title") or ""),
			reason=str(row.get("reason") or ""),
			data=dict(row.get("data") or {}),
		)
		for row in rows or []
		if isinstance(row, dict) and row.get("kind") and row.get("key")
	]


def hold_fields(error: BaseException | None) -> dict:
	"""The Connector Event fields a hold sets (`error` the held error) or clears (None)."""
	if error is None:
		return {"remedies": None, "held_reason": None}
	return {"remedies": dump(getattr(error, "remedies", None)), "held_reason": held_reason(error)}


def held_reason(error: BaseException) -> str:
	"""The label a held event is counted by: stable across orders, amounts and names."""
	reason = getattr(error, "reason", None)
	if not reason:
		reasons = sorted(
			{remedy.reason for remedy in getattr(error, "remedies", None) or () if remedy.reason}
		)
		reason = " and ".join(reasons)
	if not reason:
		reason = normalized(getattr(error, "remote_message", None) or str(error))
	return reason[:REASON_LENGTH]


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|‘[^’]*’|“[^”]*”")
# Anything holding a digit (ids, amounts, dates, document names: SINV-0001, #1001, 12.50), and
# addresses, domains and emails (acme.myshopify.com).
_VARYING = re.compile(r"[#\w][\w./:@+-]*\d[\w./:@+-]*|\d[\w./:@+-]*|[\w+-]+(?:[.@][\w-]+)+(?:\.[\w-]+)*")


def normalized(message: str) -> str:
	"""The message's first sentence with its varying parts replaced by '…'."""
	text = _QUOTED.sub("…", message or "")
	text = _VARYING.sub("…", text)
	text = re.sub(r"\s+", " ", text).strip()
	sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
	sentence = re.sub(r"…(\s*[,;]?\s*…)+", "…", sentence)
	return sentence or "Held"

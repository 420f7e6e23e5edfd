"""Carrier registry: provider name (the Carrier Account's `provider`) -> carrier class.

Everything that needs a provider looks it up here; nothing branches on provider names.
"""

from collections.abc import Mapping
from typing import Any

from erp_connectors.connectors.errors import NeedsAttention
from erp_connectors.shipping_connector.carriers.base import Carrier
from erp_connectors.shipping_connector.carriers.dhl_parcel_de import DhlParcelDeCarrier
from erp_connectors.shipping_connector.carriers.easypost import EasyPostCarrier
from erp_connectors.shipping_connector.carriers.sendcloud import SendcloudCarrier
from erp_connectors.shipping_connector.carriers.shippo import ShippoCarrier
from erp_connectors.shipping_connector.carriers.shiprocket import ShiprocketCarrier

PROVIDERS: dict[str, type[Carrier]] = {
	cls.provider: cls
	for cls in (EasyPostCarrier, ShippoCarrier, SendcloudCarrier, DhlParcelDeCarrier, ShiprocketCarrier)
}


def carrier_class(provider: str) -> type[Carrier]:
	try:
		return PROVIDERS[provider]
	except KeyError:
		raise NeedsAttention(
			f"Unknown carrier provider {provider!r}. Set the Carrier Account's provider to one of: "
			f"{', '.join(PROVIDERS)}."
		) from None


def build_carrier(account: str, settings: Mapping[str, Any], **http_options) -> Carrier:
	"""The carrier client for one Carrier Account; `settings` must include `provider`."""
	return carrier_class(settings.get("provider", ""))(account, settings, **http_options)


__all__ = ["PROVIDERS", "Carrier", "build_carrier", "carrier_class"]

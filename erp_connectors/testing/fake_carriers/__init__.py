"""Fake shipping carriers speaking real HTTP on 127.0.0.1, one module per provider."""

from erp_connectors.testing.fake_carriers._shared import WebhookDelivery
from erp_connectors.testing.fake_carriers.dhl import FakeDhl
from erp_connectors.testing.fake_carriers.easypost import FakeEasyPost
from erp_connectors.testing.fake_carriers.sendcloud import FakeSendcloud
from erp_connectors.testing.fake_carriers.shippo import FakeShippo
from erp_connectors.testing.fake_carriers.shiprocket import FakeShiprocket

__all__ = ["FakeDhl", "FakeEasyPost", "FakeSendcloud", "FakeShippo", "FakeShiprocket", "WebhookDelivery"]

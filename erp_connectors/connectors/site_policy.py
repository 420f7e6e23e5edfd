"""The outbound host policy as this site applies it (the Frappe half of `outbound`).

Developer mode and test sites (`allow_tests`, which `bench run-tests` requires) open it: fakes
listen on 127.0.0.1 over plain http.
Everywhere else only https to the service's own public hosts is allowed, and the account forms
refuse any other *API Base URL Override* when they are saved.
"""

import frappe

from erp_connectors.connectors.errors import TransientError
from erp_connectors.connectors.outbound import HostPolicy, OutboundRefused, check_base_url


def is_open() -> bool:
	return bool(frappe.conf.developer_mode or frappe.conf.allow_tests or frappe.flags.in_test)


def policy(service: str, hosts: tuple[str, ...]) -> HostPolicy:
	return HostPolicy(service, tuple(hosts), open=is_open())


def validate_url_field(doc, fieldname: str, service: str, hosts: tuple[str, ...]):
	"""On save: a base URL our credentials would be sent to must be one of the service's hosts."""
	try:
		check_base_url(doc.get(fieldname), policy(service, hosts))
	except TransientError:
		pass  # the name does not resolve right now; every request checks it again
	except OutboundRefused as error:
		frappe.throw(
			frappe._("{0}: {1}. Leave it empty to use {2}'s own address.").format(
				doc.meta.get_label(fieldname), frappe.utils.escape_html(str(error)), service
			),
			title=frappe._("Address not allowed"),
		)

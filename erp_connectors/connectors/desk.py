"""Shared wrapper for Desk actions that call a remote service."""

import functools

import frappe

from erp_connectors.connectors import call_log
from erp_connectors.connectors.errors import ConnectorError


def user_facing(title: str):
	"""A connector error becomes a message box in the remote's own words, never a traceback;
	the calls made are logged whether the action succeeded or not."""

	def decorate(method):
		@functools.wraps(method)
		def wrapper(*args, **kwargs):
			try:
				return method(*args, **kwargs)
			except ConnectorError as error:
				frappe.db.rollback()
				frappe.throw(frappe.utils.escape_html(error.remote_message), title=title)
			finally:
				call_log.flush()

		return wrapper

	return decorate

"""Connector Event learned where each event came from (origin) and the Account Health report and
the workspace charts read events and calls by account and by time. Events stored before are given
their origin from what they hold (a follow-up's topic is erp/..., a poll's id says so, the rest came
by webhook), events held before get a held reason from their message, and the indexes are added
here: migrate runs on_doctype_update only for doctypes whose JSON changed."""

import frappe

from erp_connectors.connectors.doctype.connector_call_log import connector_call_log
from erp_connectors.connectors.doctype.connector_event import connector_event
from erp_connectors.connectors.remedies import normalized


def execute():
	connector_event.on_doctype_update()
	connector_call_log.on_doctype_update()
	frappe.db.sql(
		"""update `tabConnector Event` set origin = case
			when topic like 'erp/%%' then 'Follow-up'
			when remote_event_id like 'poll:%%' or remote_event_id like 'payout:%%' then 'Poll'
			else 'Webhook' end
		where ifnull(origin, '') = ''"""
	)
	held_reasons()


def held_reasons():
	for name, message in frappe.db.sql(
		"""select name, last_error from `tabConnector Event`
		where status = 'Held' and ifnull(held_reason, '') = ''"""
	):
		frappe.db.set_value(
			"Connector Event", name, "held_reason", normalized(message or ""), update_modified=False
		)

"""Recorded real traffic (VCR cassettes) as a contract: what the service was seen to accept and answer.

From every interaction recorded against one endpoint (method and path, ids replaced by `{id}`)
this derives:
- the statuses it answered;
- the request envelope: the keys, recursively, with the types of their values. A key we send must
  have been sent in a recording, or be an attribute of the object the endpoint answers with (an
  API that takes the attributes it returns, as EasyPost's does);
- the response shape: keys and value types, recursively (lists by their items). A response may
  not have a key no recording has, nor hold a value of a type never recorded there. It may not
  lack a key every recording has, in the objects the service always serialises whole: the
  endpoint's own object and every object naming its type (`"object": "Address"`); a free-form
  hash (`options`) holds only what was set. Null is accepted anywhere: the service answers null
  for an unset attribute, as the recordings show throughout.
Errors (4xx) share one shape, merged from every recorded error.

Where the provider documents values the recordings do not show, `documented_values` adds them,
with their source: {"refund_status": ({None, "submitted", ...}, "docs.easypost.com ...")}.
"""

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from erp_connectors.testing import contracts
from erp_connectors.testing.contracts import Contract
from erp_connectors.testing.contracts.problems import Problem

# What a label (or form) file can be: PDF, PNG, or ZPL for thermal printers (options.label_format).
LABEL_TYPES = ("application/pdf", "image/png", "application/zpl")
ID_SEGMENT = re.compile(r"^[a-z]+_\w+$")  # EasyPost ids: shp_..., rate_..., trk_...


def json_type(value) -> str:
	if value is None:
		return "null"
	if isinstance(value, bool):
		return "boolean"
	if isinstance(value, int | float):
		return "number"
	if isinstance(value, str):
		return "string"
	if isinstance(value, list):
		return "list"
	return "object"


@dataclass
class Shape:
	"""Every value recorded at one place in a body."""

	types: set = field(default_factory=set)
	keys: dict = field(default_factory=dict)  # name -> Shape, for objects
	present: Counter = field(default_factory=Counter)  # name -> objects that had it
	objects: int = 0
	items: "Shape | None" = None  # for lists

	def add(self, value) -> "Shape":
		self.types.add(json_type(value))
		if isinstance(value, dict):
			self.objects += 1
			for key, inner in value.items():
				self.present[key] += 1
				self.keys.setdefault(key, Shape()).add(inner)
		elif isinstance(value, list):
			self.items = self.items or Shape()
			for inner in value:
				self.items.add(inner)
		return self

	@property
	def always(self) -> set:
		return {key for key, count in self.present.items() if count == self.objects}

	def problems(self, value, where: str = "", *, complete: bool = True) -> list[Problem]:
		"""Where `value` leaves what was recorded. `complete`: keys every recording had must be there
		(in the endpoint's own object and in typed objects)."""
		kind = json_type(value)
		if self.types and self.types != {"null"} and kind not in self.types | {"null"}:
			return [Problem(f"{kind} where the recordings have {'/'.join(sorted(self.types))}", where)]
		found = []
		if isinstance(value, dict) and self.objects:
			found += [
				Problem("never recorded here", f"{where}/{key}", "undeclared")
				for key in value
				if key not in self.keys
			]
			if complete and (not where or "object" in self.keys):
				found += [
					Problem("required", f"{where}/{key}", "required")
					for key in sorted(self.always - set(value))
				]
			for key, inner in value.items():
				if key in self.keys:
					found += self.keys[key].problems(inner, f"{where}/{key}", complete=complete)
		elif isinstance(value, list) and self.items is not None and self.items.types:
			for index, inner in enumerate(value):
				found += self.items.problems(inner, f"{where}/{index}", complete=complete)
		return found

	def at(self, *keys) -> "Shape | None":
		shape = self
		for key in keys:
			shape = shape.keys.get(key) if shape else None
		return shape


@dataclass
class Endpoint:
	method: str
	path: str
	statuses: set = field(default_factory=set)
	request: Shape = field(default_factory=Shape)
	response: Shape = field(default_factory=Shape)


def template(path: str) -> str:
	return "/".join("{id}" if ID_SEGMENT.match(part) else part for part in path.split("/"))


@functools.cache
def load_endpoints(cassettes: tuple[str, ...]) -> tuple[dict, Shape]:
	"""({(method, path template): Endpoint}, the merged error shape) from VCR cassette files.

	An endpoint answering a typed object (`"object": "Shipment"`) may answer with anything a recording
	of that object holds, whichever endpoint answered it: the Shipment a refund returns can carry the
	`options.label_format` only the recorded create was given."""
	endpoints, errors, by_type = {}, Shape(), {}
	for cassette in cassettes:
		with open(cassette, encoding="utf-8") as handle:
			interactions = yaml.safe_load(handle)["interactions"]
		for interaction in interactions:
			request, response = interaction["request"], interaction["response"]
			path = template(urlsplit(request["uri"]).path)
			endpoint = endpoints.setdefault((request["method"], path), Endpoint(request["method"], path))
			status = response["status"]["code"]
			body = json.loads(response["body"]["string"] or "null")
			if status >= 400:
				errors.add(body)
				continue
			endpoint.statuses.add(status)
			endpoint.request.add(json.loads(request["body"] or "{}"))
			endpoint.response.add(body)
			if isinstance(body, dict) and isinstance(body.get("object"), str):
				by_type.setdefault(body["object"], []).append((endpoint, body))
	for recorded in by_type.values():
		for endpoint in {id(e): e for e, _ in recorded}.values():
			for other, body in recorded:
				if other is not endpoint:
					endpoint.response.add(body)
	return endpoints, errors


class RecordedTrafficContract(Contract):
	def __init__(
		self,
		provider: str,
		cassettes: list[Path],
		error_answer,
		*,
		documented_values: dict | None = None,
		label_files: str | None = None,
	):
		self.provider = provider
		self.cassettes = tuple(str(path) for path in cassettes)
		self.error_answer = error_answer
		self.documented_values = documented_values or {}
		self.label_files = label_files

	def load(self) -> "RecordedTrafficContract":
		"""Read the recordings now (once per process), so no request waits for them."""
		self.endpoints  # noqa: B018
		return self

	@property
	def endpoints(self) -> dict:
		return load_endpoints(self.cassettes)[0]

	@property
	def error_shape(self) -> Shape:
		return load_endpoints(self.cassettes)[1]

	def endpoint(self, request) -> Endpoint | None:
		return self.endpoints.get((request.method, template(request.path.rstrip("/"))))

	def _is_label_file(self, request) -> bool:
		return (
			bool(self.label_files) and request.method == "GET" and request.path.startswith(self.label_files)
		)

	def check_request(self, request):
		if self._is_label_file(request):
			return []
		endpoint = self.endpoint(request)
		if endpoint is None:
			return [Problem(f"{request.method} {request.path}: no recording of this endpoint", kind="route")]
		try:
			body = json.loads(request.body or b"{}")
		except ValueError:
			return [Problem("the body is not JSON")]
		problems = []
		for key in endpoint.request.always - set(body):
			problems.append(Problem("required: every recorded request has it", f"/{key}", "required"))
		for key, inner in body.items():
			sent = endpoint.request.at(key)
			if sent is None:
				problems.append(Problem("never recorded here", f"/{key}", "undeclared"))
				continue
			# The endpoint takes the attributes of the object it answers with.
			accepted = _union(sent, endpoint.response)
			problems += accepted.problems(inner, f"/{key}", complete=False)
		return problems

	def check_response(self, request, response):
		if self._is_label_file(request):
			kind = dict((k.lower(), v) for k, v in response.headers.items()).get("content-type", "")
			return [] if kind in LABEL_TYPES else [f"a label file served as {kind!r}"]
		endpoint = self.endpoint(request)
		body = json.loads(response.encode() or b"null")
		if response.status >= 400:
			return self.error_shape.problems(body)
		if response.status not in endpoint.statuses:
			return [
				f"status {response.status}: the recordings of {endpoint.method} {endpoint.path} answer {sorted(endpoint.statuses)}"
			]
		return endpoint.response.problems(body) + self.value_problems(body)

	def value_problems(self, body) -> list[Problem]:
		problems = []
		for key, (allowed, source) in self.documented_values.items():
			if isinstance(body, dict) and key in body and body[key] not in allowed:
				problems.append(
					Problem(f"{body[key]!r} is not one of {sorted(map(str, allowed))} ({source})", f"/{key}")
				)
		return problems

	def refusal(self, request, problems):
		return self.error_answer(404 if problems[0].kind == "route" else 422, problems)

	def check_event(self, body: bytes, result_of: tuple[str, str]) -> list[Problem]:
		"""A webhook Event: the keys every recorded Event has (GET /v2/events), and its `result` in the
		shape recorded for the endpoint that answers that object (e.g. ("POST", "/v2/trackers"))."""
		contracts.count(self.provider, "webhooks")
		event = json.loads(body)
		listed = self.endpoints[("GET", "/v2/events")].response.at("events").items
		problems = [Problem("required", f"/{key}", "required") for key in sorted(listed.always - set(event))]
		problems += listed.problems({k: v for k, v in event.items() if k in listed.keys}, complete=False)
		return problems + self.endpoints[result_of].response.problems(event.get("result"), "/result")


def _union(request_shape: Shape, response_shape: Shape) -> Shape:
	"""A request object's recorded keys together with the answered object's attributes."""
	merged = Shape(types=request_shape.types | response_shape.types, objects=request_shape.objects)
	if request_shape.items is not None and response_shape.items is not None:
		merged.items = _union(request_shape.items, response_shape.items)  # a list's items, likewise
	else:
		merged.items = request_shape.items or response_shape.items
	for source in (request_shape, response_shape):
		for key, shape in source.keys.items():
			merged.keys[key] = _union(merged.keys[key], shape) if key in merged.keys else shape
	return merged

"""Base for fake remote services that speak real HTTP on 127.0.0.1.

A subclass declares routes with `@route(METHOD, pattern)` and names the
provider's published contract (`contract`, see `testing.contracts`). Every
request is checked against that contract before a route sees it: one the real
service would refuse gets the service's own error answer. Every response the
fake serves is checked too: one the real service could not send is recorded as
a violation, which fails the test that caused it (pytest) and makes `stop()`
raise (bench tests). Every fake can have faults injected ahead of normal
handling: a status such as 429 with Retry-After or 503, a slow response that
outlives the client's timeout, or a connection reset.
"""

import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from erp_connectors.testing import contracts


@dataclass
class Request:
	method: str
	path: str
	query: dict
	headers: dict
	body: bytes
	params: dict = field(default_factory=dict)

	def json(self):
		return json.loads(self.body or b"null")

	def header(self, name: str, default=None):
		return self.headers.get(name.lower(), default)


@dataclass
class Response:
	status: int = 200
	body: object = None
	headers: dict = field(default_factory=dict)

	def encode(self) -> bytes:
		if self.body is None:
			return b""
		if isinstance(self.body, bytes):
			return self.body
		if isinstance(self.body, str):
			return self.body.encode()
		return json.dumps(self.body).encode()


@dataclass
class Fault:
	kind: str  # "status" | "delay" | "reset"
	status: int = 503
	retry_after: float | None = None
	delay: float = 0.0
	path: str | None = None
	remaining: int = 1


class _QuietServer(ThreadingHTTPServer):
	def handle_error(self, request, client_address):
		pass  # resets and client timeouts are injected on purpose


def route(method: str, pattern: str):
	def mark(func):
		func._route = (method.upper(), re.compile(f"^{pattern}$"))
		return func

	return mark


class FakeService:
	"""Start with `with FakeX() as fake:`; `fake.url` is the base address."""

	# The provider's published contract. A fake of a real provider must name one;
	# only test doubles of our own HTTP machinery (no provider behind them) may not.
	contract: contracts.Contract | None = None

	def __init__(self):
		self.requests: list[Request] = []
		self.refused: list[tuple[Request, list[str]]] = []  # requests the contract refused
		self.violations: list[str] = []  # responses the real service could not have sent
		self._faults: list[Fault] = []
		self._lock = threading.Lock()
		self._routes = [
			getattr(self, name)._route + (getattr(self, name),)
			for name in dir(type(self))
			if hasattr(getattr(type(self), name, None), "_route")
		]
		self._server = None
		self._thread = None

	# lifecycle
	def start(self):
		service = self

		class Handler(BaseHTTPRequestHandler):
			protocol_version = "HTTP/1.1"

			def log_message(self, *args):
				pass

			def _handle(self):
				service._dispatch(self)

			do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

		self._server = _QuietServer(("127.0.0.1", 0), Handler)
		self._server.daemon_threads = True
		self._thread = threading.Thread(
			target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
		)
		self._thread.start()
		return self

	def stop(self):
		if self._server:
			self._server.shutdown()
			self._server.server_close()
			self._server = None
		if self.violations:
			raise contracts.ContractViolation(
				f"{type(self).__name__} served responses its contract forbids: " + "; ".join(self.violations)
			)

	def __enter__(self):
		return self.start()

	def __exit__(self, *exc):
		self.stop()

	@property
	def url(self) -> str:
		host, port = self._server.server_address[:2]
		return f"http://{host}:{port}"

	# fault injection
	def inject(self, kind: str, *, times: int = 1, path: str | None = None, **options) -> Fault:
		if kind not in ("status", "delay", "reset"):
			raise ValueError(f"unknown fault {kind!r}")
		fault = Fault(kind=kind, remaining=times, path=path, **options)
		with self._lock:
			self._faults.append(fault)
		return fault

	def _take_fault(self, path: str) -> Fault | None:
		with self._lock:
			for fault in self._faults:
				if fault.remaining > 0 and (fault.path is None or re.search(fault.path, path)):
					fault.remaining -= 1
					return fault
		return None

	# hooks for subclasses
	def authenticate(self, request: Request) -> Response | None:
		"""Return an error Response to refuse the request, or None to let it through."""
		return None

	def error_response(self, status: int, message: str) -> Response:
		"""The service's own error shape; subclasses override."""
		return Response(status, {"error": message})

	# dispatch
	def _dispatch(self, handler: BaseHTTPRequestHandler):
		parts = urlsplit(handler.path)
		length = int(handler.headers.get("Content-Length") or 0)
		body = handler.rfile.read(length) if length else b""
		request = Request(
			method=handler.command,
			path=parts.path,
			query={k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
			headers={k.lower(): v for k, v in handler.headers.items()},
			body=body,
		)
		with self._lock:
			self.requests.append(request)
		fault = self._take_fault(parts.path)
		if fault and fault.kind == "reset":
			self._reset(handler)
			return
		if fault and fault.kind == "delay":
			time.sleep(fault.delay)
		if fault and fault.kind == "status":
			# An injected outage answers as a load balancer might: not a contract response.
			response = self.error_response(fault.status, f"Injected {fault.status}")
			if fault.retry_after is not None:
				response.headers["Retry-After"] = str(fault.retry_after)
		else:
			response = self._answer(request)
		self._write(handler, response)

	def _answer(self, request: Request) -> Response:
		contract = self.contract
		if contract is not None:
			problems = contract.check_request(request)
			contracts.count(contract.provider, "requests")
			if problems:
				with self._lock:
					self.refused.append((request, problems))
				return contract.refusal(request, problems)
		try:
			response = self._route(request)
		except Exception as error:  # a broken fake should fail loudly, not drop the connection
			response = self.error_response(500, f"Fake crashed: {type(error).__name__}: {error}")
			self._violate(f"{request.method} {request.path}: the fake crashed: {error!r}")
			return response
		if contract is not None:
			contracts.count(contract.provider, "responses")
			for problem in contract.check_response(request, response):
				self._violate(f"{request.method} {request.path} -> {response.status}: {problem}")
		return response

	def _violate(self, message: str):
		with self._lock:
			self.violations.append(message)
		contracts.record_violation(f"{type(self).__name__}: {message}")

	def _route(self, request: Request) -> Response:
		refused = self.authenticate(request)
		if refused is not None:
			return refused
		for method, pattern, func in self._routes:
			match = pattern.match(request.path)
			if match and method == request.method:
				request.params = match.groupdict()
				return func(request)
		return self.error_response(404, f"No route for {request.method} {request.path}")

	@staticmethod
	def _write(handler, response: Response):
		payload = response.encode()
		try:
			handler.send_response(response.status)
			headers = {"Content-Type": "application/json", **response.headers}
			for key, value in headers.items():
				handler.send_header(key, str(value))
			handler.send_header("Content-Length", str(len(payload)))
			handler.end_headers()
			handler.wfile.write(payload)
		except (BrokenPipeError, ConnectionResetError):
			pass  # the client gave up (its timeout fired): exactly what a slow-response fault tests

	@staticmethod
	def _reset(handler):
		# SO_LINGER with a zero timeout makes close() send RST instead of FIN.
		handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
		handler.connection.close()
		handler.close_connection = True

"""A bench's processes for the benchmarks: gunicorn, RQ workers and the scheduler, for one site,
each restarted when it dies (as supervisord does in production). Runs with the bench's Python."""

import collections
import os
import signal
import subprocess
import threading
import time
from pathlib import Path


class Stack:
	"""gunicorn, workers and scheduler, restarted when they die (as supervisord would)."""

	def __init__(
		self,
		bench: Path,
		site: str,
		port: int,
		workers: int = 2,
		web_workers: int = 4,
		scheduler: bool = True,
	):
		self.sites = bench / "sites"
		self.python = str(bench / "env" / "bin" / "python")
		self.site, self.port = site, port
		self.specs = {
			"web": [
				str(bench / "env/bin/gunicorn"),
				"-b",
				f"127.0.0.1:{port}",
				"-w",
				str(web_workers),
				"--threads",
				"4",
				"-t",
				"120",
				"frappe.app:application",
				"--preload",
			],
		}
		helper = [self.python, "-m", "frappe.utils.bench_helper", "frappe"]
		for number in range(1, workers + 1):
			self.specs[f"worker-{number}"] = [*helper, "worker", "--queue", "default,short,long"]
		if scheduler:
			self.specs["scheduler"] = [*helper, "schedule"]
		self.processes: dict[str, subprocess.Popen] = {}
		self.restarts = collections.Counter()
		self.stopping = False
		self.paused: set[str] = set()

	def start(self):
		for name in self.specs:
			self._spawn(name)
		threading.Thread(target=self._supervise, daemon=True).start()

	def _spawn(self, name):
		log = open(f"/tmp/drill-{name}.log", "ab")
		self.processes[name] = subprocess.Popen(
			self.specs[name], cwd=self.sites, stdout=log, stderr=log, start_new_session=True
		)

	def _supervise(self):
		while not self.stopping:
			for name, process in list(self.processes.items()):
				if process.poll() is not None and name not in self.paused and not self.stopping:
					self.restarts[name] += 1
					time.sleep(2)
					self._spawn(name)
			time.sleep(1)

	def kill(self, name):
		os.killpg(self.processes[name].pid, signal.SIGKILL)

	def stop(self):
		self.stopping = True
		for process in self.processes.values():
			try:
				os.killpg(process.pid, signal.SIGTERM)
			except ProcessLookupError:
				pass

	def pause(self, *names):
		"""Stop these processes and keep them stopped until resume()."""
		for name in names:
			self.paused.add(name)
			try:
				os.killpg(self.processes[name].pid, signal.SIGTERM)
			except ProcessLookupError:
				pass

	def resume(self, *names):
		for name in names:
			self.paused.discard(name)
			self._spawn(name)

	def wait_until_up(self, host: str, timeout: float = 60):
		import requests

		deadline = time.time() + timeout
		while time.time() < deadline:
			try:
				if requests.get(
					f"http://127.0.0.1:{self.port}/api/method/ping", headers={"Host": host}, timeout=2
				).ok:
					return
			except requests.RequestException:
				pass
			time.sleep(1)
		raise RuntimeError("the web server did not come up")

"""What a contract check finds, readable as text and placed in the body it was found in."""


class Problem(str):
	"""One problem. It reads as text (`str`), so it fits `Contract.check_request`'s list of strings, and
	carries `pointer`, a JSON pointer into the body ("" for the request itself), and `kind`:
	"required" (a required key is missing), "undeclared" (a key the contract does not have),
	"route" (no such operation) or "invalid" (anything else), so a fake can refuse it the way the
	real service words its errors."""

	pointer: str
	kind: str

	def __new__(cls, text: str, pointer: str = "", kind: str = "invalid"):
		problem = super().__new__(cls, f"{pointer}: {text}" if pointer else text)
		problem.pointer, problem.kind = pointer, kind
		return problem

	@property
	def text(self) -> str:
		return self[len(self.pointer) + 2 :] if self.pointer else str(self)

	@property
	def dotted(self) -> str:
		"""The pointer as a dotted property path ("consignee.postalCode"), as some services name fields."""
		return ".".join(part for part in self.pointer.split("/") if part)


def pointer(*parts) -> str:
	return "".join(f"/{part}" for part in parts)

"""Every fake checks its provider's published contract; this makes a violation fail its test
and prints, at the end of the run, how many requests and responses were checked per provider."""

import pytest

from erp_connectors.testing import contracts


@pytest.fixture(autouse=True)
def _fakes_keep_to_the_contract():
	mark = contracts.violation_mark()
	yield
	found = contracts.violations_since(mark)
	if found:
		pytest.fail(
			"A fake served what the real provider could not send:\n" + "\n".join(found), pytrace=False
		)


def pytest_terminal_summary(terminalreporter):
	checked = contracts.tally()
	if not checked:
		return
	terminalreporter.section("published contracts checked")
	for provider, numbers in checked.items():
		terminalreporter.write_line(
			f"{provider:<14} requests {numbers['requests']:>5}  responses {numbers['responses']:>5}"
			f"  webhooks {numbers['webhooks']:>4}"
		)

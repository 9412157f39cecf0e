"""axe-core in the browser tier: every page a journey opens is checked, and a
serious or critical violation fails the test.

axe-core is vendored (tests/e2e/vendor/axe.min.js, MPL-2.0, its licence beside
it) so that the check runs the same everywhere without a network: version
AXE_VERSION, sha256 AXE_SHA256 (checked on load). To update: `npm pack
axe-core@<version>`, copy package/axe.min.js to tests/e2e/vendor/ and change both constants.

The script goes in through Playwright's evaluate (the DevTools protocol), not a
<script> tag, so the board's Content-Security-Policy stays as strict as in
production.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
AXE_PATH = Path(__file__).resolve().parents[1] / "e2e" / "vendor" / "axe.min.js"
FAILING_IMPACTS = {"serious", "critical"}


@cache
def _source() -> str:
    data = AXE_PATH.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    assert digest == AXE_SHA256, f"{AXE_PATH} is not axe-core {AXE_VERSION} ({digest})"
    return data.decode()


def violations(page: Page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(f"() => {{ {_source()}\n}}")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            # The bundle assigns window.axe when `module` is undefined; make sure.
            raise AssertionError("axe-core did not load in the page")
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')),
            }));
        }"""
    )
    return [v for v in result if v["impact"] in FAILING_IMPACTS]


class Axe:
    """Checks each page once per distinct path and keeps the list of pages seen."""

    def __init__(self) -> None:
        self.checked: list[str] = []

    def check(self, page: Page) -> None:
        found = violations(page)
        path = page.url.split("://", 1)[-1].split("/", 1)[-1]
        self.checked.append("/" + path)
        assert not found, f"axe: serious/critical violations at {page.url}: {found}"

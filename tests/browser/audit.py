"""Checks every browser test runs on the pages it visits: axe-core finds no serious or critical
accessibility violation, and the page does not scroll sideways (WCAG 2.2 reflow).

axe-core is vendored under tests/browser/vendor/ (a test tool, never served to users) and put
into the page through the DevTools protocol, so the pages keep their strict CSP while audited.
"""

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
# WCAG 2.0 to 2.2, levels A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING = ("serious", "critical")


def _describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:5]]
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)


def axe_violations(page: Page) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE)
    result = page.evaluate(
        "tags => axe.run(document, {resultTypes: ['violations'], runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def settled(page: Page) -> None:
    """Wait for the page's stylesheets: a navigation started by a click can show its heading
    before they apply, and an unstyled page is neither laid out nor coloured as users see it."""
    page.wait_for_load_state("load")


def audit(page: Page, where: str) -> None:
    """No serious or critical axe violation on the page as it is now."""
    settled(page)
    violations = axe_violations(page)
    assert not violations, f"accessibility violations on {where} ({page.url}):\n{_describe(violations)}"


# The elements that reach past the window's right edge (outside scrolling boxes), for the message.
OVERFLOWING = """() => {
  const width = window.innerWidth;
  const inScroller = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    const x = getComputedStyle(p).overflowX; if (x === 'auto' || x === 'scroll' || x === 'hidden') return true; }
    return false; };
  return [...document.body.querySelectorAll('*')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5 && !inScroller(el))
    .slice(0, 8).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '')
      + ' right=' + Math.round(el.getBoundingClientRect().right));
}"""


def assert_no_sideways_scroll(page: Page, where: str) -> None:
    settled(page)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:
        culprits = page.evaluate(OVERFLOWING)
        raise AssertionError(f"{where} ({page.url}) is {widths[0]} px wide in a {widths[1]} px window: {culprits}")


def screenshot_taker(folder: Path, names: Sequence[str]) -> Callable[[Page, str], None]:
    """A screenshot of each step of a flow, after axe-core has checked the page as it is. The
    flow's pictures of an earlier run are removed first, so that its end sees this run's."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).unlink(missing_ok=True)

    def take(page: Page, name: str) -> None:
        assert name in names, f"unexpected screenshot name {name}"
        audit(page, name)
        page.screenshot(path=str(folder / name), full_page=True)

    return take

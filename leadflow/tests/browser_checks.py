"""Checks a browser test runs on the page in front of it: accessibility (axe-core), width on
a phone, and screenshots for the docs.

axe-core is vendored (static/vendor/axe-core-<version>/) and evaluated in the page through the
browser's debugging protocol, as DevTools' console would: the page's Content-Security-Policy
stays as strict as ever (no inline script tag, no bypass), and no page of the app loads it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Page

AXE_VERSION = "4.14.1"
FAILING_IMPACTS = ("serious", "critical")
PHONE_WIDTH = 390
SCREENSHOTS_ENV = "LEADFLOW_SCREENSHOTS"


@dataclass(frozen=True)
class Viewport:
    name: str  # "desktop" or "phone": the screenshot's suffix
    width: int
    height: int
    mobile: bool


DESKTOP = Viewport("desktop", 1366, 900, mobile=False)
PHONE = Viewport("phone", PHONE_WIDTH, 844, mobile=True)


@cache
def axe_source() -> str:
    path = Path(settings.BASE_DIR) / "static" / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
    return path.read_text(encoding="utf-8")


_RUN_AXE = """async (impacts) => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => impacts.includes(v.impact))
    .map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
    }));
}"""


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations of impact serious or critical on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source())
    return page.evaluate(_RUN_AXE, list(FAILING_IMPACTS))


def describe_violations(violations: list[dict]) -> list[str]:
    """One line per violation and element: rule id, impact, target selector, help text, and
    what axe found there (e.g. the contrast ratio and colours)."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            found = [line.strip() for line in node["summary"].splitlines()[1:2]]
            detail = f" [{found[0]}]" if found else ""
            lines.append(f"{v['id']} ({v['impact']}) at {node['target']}: {v['help']}{detail}")
    return lines


def assert_accessible(page: Page) -> None:
    lines = describe_violations(axe_violations(page))
    assert not lines, "axe-core violations on " + page.url + ":\n  " + "\n  ".join(lines)


_STICKING_OUT = """(width) => {
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const out = (el) => el.getBoundingClientRect().right > width + 0.5;
  const found = [];
  for (const el of document.body.querySelectorAll("*")) {
    if (!out(el) || (el.parentElement !== document.body && out(el.parentElement))) continue;
    const path = [];
    for (let e = el; e && e !== document.body; e = e.parentElement) path.unshift(name(e));
    found.push(path.slice(-3).join(" > ") + " (right edge "
      + Math.round(el.getBoundingClientRect().right) + "px)");
  }
  return found;
}"""


def wide_elements(page: Page, width: int = PHONE_WIDTH) -> list[str]:
    """The outermost elements whose right edge passes `width` (their parent does not)."""
    return page.evaluate(_STICKING_OUT, width)


def page_width(page: Page) -> int:
    return page.evaluate("() => document.documentElement.scrollWidth")


def width_problem(page: Page, width: int = PHONE_WIDTH) -> str | None:
    """None when the page fits `width` without sideways scrolling, else what sticks out."""
    scroll_width = page_width(page)
    if scroll_width <= width:
        return None
    culprits = wide_elements(page, width)[:12]
    return f"{page.url} is {scroll_width}px wide at {width}px:\n  " + "\n  ".join(culprits)


def assert_fits_phone(page: Page) -> None:
    problem = width_problem(page)
    assert problem is None, problem


def screenshots_on() -> bool:
    return os.environ.get(SCREENSHOTS_ENV) == "1"


def screenshot(page: Page, name: str, viewport: Viewport) -> Path | None:
    """docs/screenshots/<name>-<desktop|phone>.png, full page, when LEADFLOW_SCREENSHOTS=1."""
    if not screenshots_on():
        return None
    path = Path(settings.BASE_DIR) / "docs" / "screenshots" / f"{name}-{viewport.name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, animations="disabled")
    return path

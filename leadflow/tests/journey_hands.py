"""The two ways a person works the pages in the browser journeys: a pointer (a mouse, or a
finger on a phone) and the keyboard alone. Every step of a journey goes through one of them, so
one journey runs either way."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Locator, Page

# Whether htmx has wired up the form or element a control belongs to. htmx processes swapped-in
# content when it settles (a few milliseconds after the swap): a control pressed before that
# submits natively, as it would without JavaScript.
_HTMX_READY = """e => {
  const hx = '[hx-get],[hx-post],[hx-put],[hx-patch],[hx-delete]';
  const owner = e.closest(hx) || (e.form && e.form.matches(hx) ? e.form : null);
  return !owner || !!(owner['htmx-internal-data'] && owner['htmx-internal-data'].initHash);
}"""


def wait_until_wired(target: Locator) -> None:
    target.wait_for()
    target.page.wait_for_function(f"e => ({_HTMX_READY})(e)", arg=target.element_handle())


DRAG_SECONDS = 15  # a loaded machine animates slowly: a drag gets time, not a number of tries


def nudge_until(page: Page, placed: Locator, aim: Callable[[int], tuple[float, float]]) -> bool:
    """With the mouse button held, nudge the pointer to `aim(nudge)` until SortableJS has put
    the dragged card where `placed` finds it (it ignores a card while it animates), for up to
    DRAG_SECONDS of wall time. Whether it got there."""
    deadline = time.monotonic() + DRAG_SECONDS
    nudge = 0
    while not placed.count() and time.monotonic() < deadline:
        page.mouse.move(*aim(nudge), steps=2)
        page.wait_for_timeout(20)
        nudge += 1
    return placed.count() == 1


class Pointer:
    """A person with a mouse (or, with `touch`, a finger on a phone)."""

    def __init__(self, page: Page, *, touch: bool = False) -> None:
        self.page, self.touch = page, touch

    def press(self, target: Locator) -> None:
        wait_until_wired(target)
        if not self.touch:
            target.click()
            return
        # A finger on the control's centre, which must be the control and not something
        # drawn over it (Locator.tap loses its page when the tap navigates).
        target.scroll_into_view_if_needed()
        box = target.bounding_box()
        assert box, f"{target} is not on the screen"
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = target.evaluate(
            "(e, [x, y]) => e.contains(document.elementFromPoint(x, y))", [x, y]
        )
        assert on_top, f"something covers {target} where a finger would tap it"
        self.page.touchscreen.tap(x, y)

    def type(self, target: Locator, text: str) -> None:
        target.fill(text)

    def choose(self, target: Locator, value: str) -> None:
        target.select_option(value)

    def type_date(self, target: Locator, day: str) -> None:
        target.fill(day)


class Keyboard:
    """A person with the keyboard alone: Tab to a control, then Enter, arrows or typing."""

    TAB_LIMIT = 400

    def __init__(self, page: Page) -> None:
        self.page = page

    def focus(self, target: Locator) -> None:
        target.wait_for()
        for _ in range(self.TAB_LIMIT):
            if target.evaluate("e => e === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {target}")

    def press(self, target: Locator) -> None:
        self.focus(target)
        wait_until_wired(target)
        self.page.keyboard.press("Enter")

    def type(self, target: Locator, text: str) -> None:
        self.focus(target)
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.type(text)

    def choose(self, target: Locator, value: str) -> None:
        """Arrow keys through a closed select until it holds `value` (each step a change)."""
        self.focus(target)
        values = target.evaluate("e => Array.from(e.options, o => o.value)")
        key = "ArrowDown" if values.index(value) > values.index(target.input_value()) else "ArrowUp"
        for _ in values:
            if target.input_value() == value:
                return
            self.page.keyboard.press(key)
        raise AssertionError(f"the arrow keys never chose {value!r} in {target}")

    def type_date(self, target: Locator, day: str) -> None:
        """A date field takes digits: month, day, year (the en-US order)."""
        year, month, date = day.split("-")
        self.focus(target)
        self.page.keyboard.type(month + date + year)


Hands = Pointer | Keyboard

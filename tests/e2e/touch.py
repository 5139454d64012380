"""Touch targets in the browser tests: every control a finger uses on a ward tablet is at least
44×44 CSS pixels (WCAG 2.5.5's size), and a badge's words are at least 14 px.

Links inside a sentence are exempt, as WCAG allows: the sentence sets their height. Links and
buttons in tables, breadcrumbs, pagination, close buttons, menus and buttons are not. A
Bootstrap "stretched link" is measured by the card or tile it covers, where a finger taps it.
"""

TOUCH_PX = 44
BADGE_FONT_PX = 14

# Controls that stand on their own (not words inside a sentence).
CONTROLS = ", ".join(
    [
        "td a",
        "th a",
        "td button",
        ".breadcrumb a",
        ".btn",
        ".btn-close",
        ".page-link",
        ".nav-link",
        ".navbar a",
        ".navbar button",
        ".dropdown-item",
        ".list-group-item-action",
        "summary",
        ".form-check",
    ]
)

_MEASURE = """([controls, touch, badgeFont]) => {
    const shown = (el) => {
        const box = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        return box.width > 0 && box.height > 0 && style.visibility !== "hidden"
            && !el.closest("[hidden], .visually-hidden, .d-none");
    };
    const name = (el) => {
        const words = (el.getAttribute("aria-label") || el.textContent || "").trim();
        return `${el.tagName.toLowerCase()}${el.className ? "." + String(el.className).trim().split(/\\s+/).join(".") : ""} "${words.slice(0, 40)}"`;
    };
    const problems = [];
    for (const el of document.querySelectorAll(controls)) {
        if (!shown(el)) continue;
        // A stretched link is tapped anywhere on the card or tile it stretches over.
        const target = el.classList.contains("stretched-link") ? el.offsetParent || el : el;
        const box = target.getBoundingClientRect();
        if (box.width < touch - 0.5 || box.height < touch - 0.5) {
            problems.push(`${name(el)} is ${Math.round(box.width)}×${Math.round(box.height)} px`);
        }
    }
    for (const el of document.querySelectorAll(".badge")) {
        if (!shown(el)) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < badgeFont - 0.01) problems.push(`${name(el)} has ${size} px words`);
    }
    return problems;
}"""


def touch_problems(page) -> list[str]:
    """What a finger would miss on the page as shown: each control too small, each badge too
    small to read, described by its tag, classes and words."""
    return page.evaluate(_MEASURE, [CONTROLS, TOUCH_PX, BADGE_FONT_PX])


def assert_big_enough_to_tap(locator, what: str) -> None:
    box = locator.bounding_box()
    assert box is not None, f"{what} is not on the screen"
    assert box["width"] >= TOUCH_PX and box["height"] >= TOUCH_PX, (
        f"{what} is {box['width']:.0f}×{box['height']:.0f} px: too small to tap"
    )

"""Views stay thin: a view function (or a helper in a views module) longer than about 25 lines is
building something a selector should build, or doing a service's work.

LONG_VIEWS lists the ones not yet cut down, with their length today: the list may only shrink (a
view on it may get shorter, never longer), and a view not on it fails at MAX_LINES. When you cut
one down, take it off the list.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = [
    "accounts",
    "billing",
    "clinical",
    "engineering",
    "hms",
    "hr",
    "lab",
    "messaging",
    "reports",
    "wards",
]
MAX_LINES = 30

# "module:function": lines (from the def to the last line, decorators not counted).
LONG_VIEWS: dict[str, int] = {}


def view_lengths() -> dict[str, int]:
    lengths = {}
    for app in APPS:
        for path in sorted((ROOT / app).glob("*views.py")):
            for node in ast.parse(path.read_text()).body:
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    name = f"{path.relative_to(ROOT)}:{node.name}"
                    lengths[name] = node.end_lineno - node.lineno + 1
    return lengths


def test_no_view_grows_past_about_25_lines():
    lengths = view_lengths()

    too_long = {
        name: lines
        for name, lines in lengths.items()
        if lines > max(MAX_LINES, LONG_VIEWS.get(name, 0))
    }

    assert too_long == {}, (
        f"views over {MAX_LINES} lines (move the building into the app's selectors.py, the work "
        f"into a service): {too_long}"
    )


def test_the_list_of_long_views_only_names_long_views():
    lengths = view_lengths()

    cut_down = {name for name in LONG_VIEWS if lengths.get(name, 0) <= MAX_LINES}

    assert cut_down == set(), f"take these off LONG_VIEWS, they fit now: {cut_down}"

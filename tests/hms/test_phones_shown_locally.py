"""Every phone a template shows goes through the `phone` filter (stored in E.164, shown the local
way: "0712 100 003"); a template that printed the stored value showed "+254712100003"."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
SHOWN_RAW = re.compile(r"{{\s*[\w.]*phone\s*}}")


def test_no_template_shows_a_stored_phone_as_it_is_stored():
    raw = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in SHOWN_RAW.finditer(path.read_text())
    ]

    assert raw == []

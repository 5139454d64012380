"""The forms of a page as a browser sees them: action, method and the values it would post
(hidden fields such as the CSRF token and the one-time submission token included), so the load
test posts what the real page posts."""

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser


@dataclass
class Form:
    action: str
    method: str
    attrs: dict[str, str]
    fields: list[tuple[str, str]] = field(default_factory=list)
    # Named inputs by type, for choosing among radios, checkboxes and options.
    choices: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)

    def values(self, **overrides: str | list[str]) -> list[tuple[str, str]]:
        """The posted pairs: the form's own values, each overridden name replaced."""
        pairs = [(name, value) for name, value in self.fields if name not in overrides]
        for name, value in overrides.items():
            if isinstance(value, list):
                pairs += [(name, v) for v in value]
            elif value is not None:
                pairs.append((name, value))
        return pairs


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            action = a.get("action") or a.get("hx-post") or ""
            method = "post" if a.get("hx-post") else (a.get("method") or "get").lower()
            self.form = Form(action=action, method=method, attrs=a)
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                self.form.choices.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            elif kind in ("submit", "button", "image"):
                self.form.buttons.append((name, a.get("value", "")))
            elif kind != "file":
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.form.buttons.append((name or "", a.get("value", "")))
        elif tag == "select" and name:
            self.select, self.select_first, self.select_chosen = name, None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            self.form.choices.setdefault(self.select, []).append(value)
            if self.select_first is None:
                self.select_first = value
            if "selected" in a and not self.select_chosen:
                self.form.fields.append((self.select, value))
                self.select_chosen = True
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select" and self.select and self.form is not None:
            if not self.select_chosen and self.select_first is not None:
                self.form.fields.append((self.select, self.select_first))
            self.select = None
        elif tag == "textarea" and self.textarea and self.form is not None:
            self.form.fields.append((self.textarea, "".join(self.text).lstrip("\n")))
            self.textarea = None


def forms(html: str) -> list[Form]:
    parser = _Parser()
    parser.feed(html)
    return parser.forms


def form(html: str, action: str | re.Pattern) -> Form | None:
    """The first form posting to `action` (a path, or a pattern searched in the action)."""
    for candidate in forms(html):
        if isinstance(action, str) and candidate.action == action:
            return candidate
        if isinstance(action, re.Pattern) and action.search(candidate.action):
            return candidate
    return None


def links(html: str, pattern: str) -> list[str]:
    """Every distinct href matching `pattern` (a regular expression), in page order."""
    found = re.findall(rf'href="({pattern})"', html)
    return list(dict.fromkeys(found))


_BUTTON = re.compile(r"<button\b([^>]*)>(.*?)</button>", re.S)
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def picks(html: str) -> list[dict]:
    """The items of the prescriber's formulary search (pharmacy/formulary/_pick.html) as a tap
    reads them: `item` (the id), `drug` and `strength` (what the tap fills in), `form`, whether
    the pharmacy has it in stock, and whether the patient's allergies mark it."""
    found = []
    for tag, inside in _BUTTON.findall(html):
        attrs = {name: unescape(value) for name, value in _ATTRIBUTE.findall(tag)}
        if "data-pick-item" not in attrs:
            continue
        found.append(
            {
                "item": attrs["data-pick-item"],
                "drug": attrs.get("data-drug", ""),
                "strength": attrs.get("data-strength", ""),
                "form": attrs.get("data-form", ""),
                "in_stock": " in stock<" in inside,
                "allergy": 'data-testid="pick-allergy"' in inside,
            }
        )
    return found

"""A form's fields as a browser would send them untouched: from a page's HTML, the values its
inputs show, the text of its text areas, the options selected and the boxes ticked."""

from html.parser import HTMLParser


class _FormsAsShown(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self.current: dict[str, list[str]] | None = None
        self.textarea: str | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "form":
            self.current = {}
            self.forms.append(self.current)
        elif self.current is None or not name and tag != "option":
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.current.setdefault(name, []).append(attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = name
            self.current[name] = [""]
        elif tag == "select":
            self.select = name
            self.current.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in attrs:
            self.current[self.select].append(attrs.get("value") or "")

    def handle_data(self, data):
        if self.textarea and self.current is not None:
            self.current[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "textarea" and self.textarea and self.current is not None:
            text = self.current[self.textarea][0]
            self.current[self.textarea][0] = text[1:] if text.startswith("\n") else text
            self.textarea = None
        elif tag == "select":
            self.select = None


def form_as_shown(page: str, *, containing: str) -> dict[str, list[str]]:
    """The first <form> of `page` with a field named `containing`, as {name: [values]}, ready for
    `client.post(url, values)` (Django's test client sends each list as repeated fields).
    Raises LookupError when no form has that field."""
    parser = _FormsAsShown()
    parser.feed(page)
    parser.close()
    for form in parser.forms:
        if containing in form:
            return form
    raise LookupError(f"no form with a field named {containing!r}")

"""Live panels that stop listening: a panel ({% live_panel %}) refetches itself on its event and
on `hms:resync`; when the fragment its URL returns does not carry the panel's wrapper again (an
outerHTML swap of a bare card), the first load or the first event replaces the listener with
plain HTML and the panel never changes again, silently. Found by the production stack test on
the pharmacists' stock alerts; checked on every page of the accessibility walk.
"""

import re

TAG = re.compile(r"<[a-zA-Z][^>]*>")
ID = re.compile(r'\bid="([^"]+)"')

# Resync every panel of the page, then wait until each request the resync started has been
# answered and swapped in (htmx settles 20 ms after a swap).
RESYNC = """
async () => {
  const panels = document.querySelectorAll("[hx-get][hx-trigger*='hms:resync']").length;
  let answered = 0;
  const count = () => { answered += 1; };
  document.addEventListener("htmx:afterOnLoad", count, true);
  document.addEventListener("htmx:responseError", count, true);
  document.addEventListener("htmx:sendError", count, true);
  htmx.trigger(document.body, "hms:resync");
  for (let i = 0; i < 100 && answered < panels; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  return [panels, answered];
}
"""

STILL_LISTENING = """
(ids) => ids.filter((id) => {
  const panel = document.getElementById(id);
  return !panel || !(panel.getAttribute("hx-trigger") || "").includes("hms:resync");
})
"""


def live_panel_ids(html: str) -> list[str]:
    """The ids of the elements that refetch themselves on `hms:resync`, in the page as sent."""
    ids = []
    for tag in TAG.findall(html):
        if "hx-get=" in tag and "hms:resync" in tag and (found := ID.search(tag)):
            ids.append(found.group(1))
    return ids


def dead_live_panels(page, html: str) -> list[str]:
    """The live panels of the page (as sent in `html`) that no longer listen once the page has
    loaded and every panel has refetched itself once."""
    ids = live_panel_ids(html)
    if not ids:
        return []
    page.wait_for_load_state("networkidle")
    page.evaluate(RESYNC)
    return page.evaluate(STILL_LISTENING, ids)

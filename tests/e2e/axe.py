"""axe-core in the browser tests: check the page a test shows, fail on serious or critical findings.

axe-core is vendored under tests/e2e/vendor/ (no internet on the build box). It is evaluated in
the page through the DevTools protocol, so the site's Content-Security-Policy (no inline
scripts) needs no exception for it. Not a conftest: tests import it explicitly.
"""

from functools import cache
from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SCRIPT = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}" / "axe.min.js"
# The impacts that fail a test; "minor" and "moderate" findings are reported by axe but left to
# judgement, as the issue asks.
FAILING_IMPACTS = ("serious", "critical")
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks, headings, ...).
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe_source() -> str:
    return AXE_SCRIPT.read_text(encoding="utf-8")


def axe_violations(page, *, context: str | dict = "document") -> list[dict]:
    """Run axe on what the page shows once its fades are over (a toast half faded in reads as
    low contrast: CI, session 6); every violation axe reports, of any impact."""
    page.evaluate(
        """() => Promise.race([
            Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null))),
            new Promise((done) => setTimeout(done, 3000)),  // an endless spinner: wait no more
        ])"""
    )
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate(
        """async ([context, tags]) => {
            const scope = context === "document" ? document : context;
            const found = await window.axe.run(scope, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return found.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map((n) => ({
                    target: n.target.map((t) => Array.isArray(t) ? t.join(" >>> ") : t),
                    impact: n.impact,
                    summary: n.failureSummary,
                    html: n.html.slice(0, 200),
                })),
            }));
        }""",
        [context, RULE_TAGS],
    )
    return result


def describe(violations: list[dict]) -> str:
    """One block per rule: its id, impact and help, then each offending element."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    - {', '.join(node['target'])}")
            lines.append(f"      {node['html']}")
            if node["summary"]:
                summary = node["summary"].replace("\n", "\n        ")
                lines.append(f"        {summary}")
    return "\n".join(lines)


def serious_violations(page, **options) -> list[dict]:
    return [v for v in axe_violations(page, **options) if v["impact"] in FAILING_IMPACTS]


def assert_no_serious_violations(page, what: str = "", **options) -> None:
    """Fail with axe's own words when the page has a serious or critical violation."""
    found = serious_violations(page, **options)
    if found:
        where = what or page.url
        raise AssertionError(
            f"axe-core {AXE_VERSION} found {len(found)} serious or critical accessibility"
            f" problem(s) on {where}:\n{describe(found)}"
        )

"""No file of the project carries a merge's conflict markers: a template that had one printed
"<<<<<<< HEAD" on every appointment's page, the patient portal's included."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MARKER = re.compile(r"^(<{7} |>{7} |={7}$)", re.MULTILINE)
KINDS = {".py", ".html", ".js", ".css", ".md", ".toml", ".txt", ".cfg", ".yml", ".yaml", ".sh"}
SKIP = {".git", ".venv", "node_modules", "var", "staticfiles", "__pycache__"}


def project_files():
    for path in ROOT.rglob("*"):
        if SKIP.intersection(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in KINDS or path.name in {"Makefile", "Dockerfile"}:
            yield path


def test_no_file_holds_a_conflict_marker():
    marked = [
        str(path.relative_to(ROOT))
        for path in project_files()
        if MARKER.search(path.read_text(encoding="utf-8", errors="replace"))
    ]

    assert marked == []

"""No patient in the logs: the demo patients' names and phone numbers, searched for in log text.

Used two ways: tests/demo/test_log_privacy.py drives the main screens over a seeded demo hospital
and checks what they logged; .ci/run points HMS_LOG_FILE at a file for the PostgreSQL half of the
suite and then runs this script over it, so every log line of a full test run is checked too.

Usage: python tests/log_privacy.py LOG_FILE...
Exit 0 when no demo patient's name or number is in the files (and they hold at least one line,
so a run that logged nowhere cannot pass by accident); 1 naming what was found, where.
"""

import contextlib
import json
import os
import sys
from pathlib import Path
from urllib.parse import unquote_plus

ROOT = Path(__file__).resolve().parents[1]


def demo_patient_markers() -> dict[str, str]:
    """Every way a demo patient shows up in text -> the patient it belongs to: the full name
    both ways round, the phone in E.164 ("+254712100003", and its digits), spaced the local way
    ("0712 100 003", "712 100 003"), international ("+254 712 100003") and undivided
    ("0712100003", "712100003")."""
    import phonenumbers
    from django.conf import settings

    from clinical.demo import DEMO_DUPLICATES, DEMO_PATIENTS

    people = [(first, last, phone) for first, last, _b, _s, _g, phone, _i in DEMO_PATIENTS]
    people += [(first, last, phone) for first, last, _b, phone, _of, _m in DEMO_DUPLICATES]
    markers: dict[str, str] = {}
    for first, last, phone in people:
        whose = f"{first} {last}"
        markers[f"{first} {last}"] = whose
        markers[f"{last} {first}"] = whose
        markers[f"{last}, {first}"] = whose
        number = phonenumbers.parse(phone, settings.HMS_PHONE_REGION)
        national = str(number.national_number)
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        international = phonenumbers.format_number(
            number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        for form in (e164, e164[1:], international, phone, phone[1:], "0" + national, national):
            markers[form] = whose
    return markers


def leaks(text: str, markers: dict[str, str]) -> list[str]:
    """The markers found in `text`, each with the first line holding it. Each line is also read
    URL-decoded ("Wanjiru+Kamau", "%2B254712100003" in a logged address) and, when it is a
    JSON object, decoded (an escaped name, "Wanjir\\u016b")."""
    found = {}
    for number, line in enumerate(text.splitlines(), 1):
        readings = [line, unquote_plus(line)]
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                readings.append(json.dumps(json.loads(line), ensure_ascii=False))
        for reading in readings:
            for marker, whose in markers.items():
                if marker in reading and marker not in found:
                    found[marker] = f"{marker!r} ({whose}) on line {number}: {line[:300]}"
    return list(found.values())


def main(paths: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")
    import django

    django.setup()
    markers = demo_patient_markers()
    failed = False
    for path in paths:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
        lines = text.count("\n")
        found = leaks(text, markers)
        if lines == 0:
            print(f"{path}: no log line at all; the check would prove nothing.")
            failed = True
        elif found:
            print(f"{path}: demo patients' data in {len(found)} places:")
            print("\n".join(f"  {item}" for item in found))
            failed = True
        else:
            print(f"{path}: {lines} log lines, none names a demo patient or their phone.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

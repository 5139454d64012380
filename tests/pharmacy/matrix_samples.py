"""The pharmacy's sample records and URL arguments for the permission matrix walk
(tests/hms/test_permissions.py): one part per file, so each part of the pharmacy adds its own."""

from tests.pharmacy import matrix_dispensing, matrix_formulary, matrix_mar, matrix_stock

PARTS = (matrix_formulary, matrix_stock, matrix_dispensing, matrix_mar)


def records(*, role_users, patient, prescription, admission) -> dict:
    """Sample records of every pharmacy kind a URL takes (names prefixed "pharmacy_")."""
    found: dict = {}
    for part in PARTS:
        found.update(
            part.records(
                role_users=role_users,
                patient=patient,
                prescription=prescription,
                admission=admission,
                found=found,
            )
        )
    return found


def kwargs(samples: dict) -> dict[str, dict]:
    """URL name -> arguments, from the records above."""
    found: dict[str, dict] = {}
    for part in PARTS:
        found.update(part.kwargs(samples))
    return found

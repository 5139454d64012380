"""The stock part's sample records and URL arguments for the permission matrix walk."""


def records(*, role_users, patient, prescription, admission, found) -> dict:
    """Records the stock URLs take (`found`: what earlier parts made)."""
    return {}


def kwargs(samples: dict) -> dict[str, dict]:
    return {}

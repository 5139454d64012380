"""Demo records of the pharmacy: prescriptions waiting and dispensed."""


def seed_late(log) -> None:
    """Nothing yet."""

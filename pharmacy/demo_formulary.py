"""Demo records of the pharmacy: the formulary part."""


def seed(log) -> None:
    """Nothing yet."""

"""Demo records of the pharmacy: the stock part."""


def seed(log) -> None:
    """Nothing yet."""

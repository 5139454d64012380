"""Leave: applying, withdrawing, cancelling and deciding, and the balance they move."""

__all__: list[str] = []

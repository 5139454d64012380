"""Leave: types and entitlements, the hospital's closure days, requests and their decisions."""

__all__: list[str] = []

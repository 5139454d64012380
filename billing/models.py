"""Models of billing: filled in by its module's issue."""

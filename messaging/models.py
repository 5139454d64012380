"""Models of messaging: filled in by its module's issue."""

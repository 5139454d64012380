"""Models of clinical: filled in by its module's issue."""

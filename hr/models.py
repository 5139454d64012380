"""Models of hr: filled in by its module's issue."""

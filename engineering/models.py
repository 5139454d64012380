"""Models of engineering: filled in by its module's issue."""

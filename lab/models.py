"""Models of lab: filled in by its module's issue."""

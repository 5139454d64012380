"""Models of reports: filled in by its module's issue."""

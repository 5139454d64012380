"""Models of wards: filled in by its module's issue."""

"""Lab and imaging tests."""

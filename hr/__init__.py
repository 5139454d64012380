"""Staff attendance and leave."""

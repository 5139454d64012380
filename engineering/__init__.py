"""Engineering: machines and maintenance."""

"""Demo records of hr (the leave part adds its own here at merge)."""

from hr.demo_attendance import seed_attendance


def seed(log) -> None:
    seed_attendance(log)

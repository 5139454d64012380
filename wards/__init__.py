"""Wards, beds and admissions."""

"""Views of the reports app. The audit log viewer's views live in reports/audit_views.py."""

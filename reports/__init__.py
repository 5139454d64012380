"""Reports: analytics and the audit log viewer."""

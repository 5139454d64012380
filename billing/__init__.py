"""Billing: charges, invoices, payments."""

"""Messaging: real-time, notifications, chat."""

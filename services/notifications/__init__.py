"""Notifications: tells people by e-mail what the platform did, learning everything from events."""

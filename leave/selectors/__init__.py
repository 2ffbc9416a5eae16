"""Reads: what a date range costs (days), balances (balances), requests and the calendar (requests)."""

"""Writes: requests (requests), the ledger gate (ledger), types, holidays, patterns and
allocations (policy), the jobs (jobs) and notifications (notify)."""

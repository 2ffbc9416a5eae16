"""Every write of analytics: export jobs, shared reports, calendar feed tokens."""

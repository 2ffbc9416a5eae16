"""Every read of analytics: reports (summary, detailed, weekly, time account, compliance), export
jobs, shared reports, the dashboard and the calendar feed."""

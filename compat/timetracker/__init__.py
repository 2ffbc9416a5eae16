"""Time Tracker's React app (`/compat/timetracker/`): form login, profile, time entries with
`start_time`/`end_time`, leave requests on the leave app, the dashboard on the analytics app, and
the admin pages' user list and pending leave."""

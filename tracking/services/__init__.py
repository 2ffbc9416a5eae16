"""Every write to tracking data. `projects` (projects, tasks), `entries` (time entries and the
timer), `sessions` (sessions, laps, participants), `timers` (forgotten-timer clean-up); `rules`
holds the checks they share."""

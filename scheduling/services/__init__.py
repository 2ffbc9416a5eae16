"""Writes: services (appointment types), availability, appointments, the leave hook, reminders."""

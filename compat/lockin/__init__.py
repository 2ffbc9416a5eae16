"""LockIN's Expo app (`/compat/lockin/`): profile, focus groups with members, sessions and
progress, group sessions with clock-in and time logs, the inbox and invites by notification id,
archiving expired groups. Paths keep LockIN's literal `:action` suffixes."""

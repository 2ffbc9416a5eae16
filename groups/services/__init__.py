"""Every write to groups data: `groups` (create, settings, clone, archive, expiry), `members`
(add, change, remove, leave), `invites` (invite, accept, decline or revoke, expiry), `sessions`
(group sessions, joining and leaving them, the guard that keeps archived groups' sessions
read-only); `rules` holds the checks they share.

Lock order: the group row first, then (through tracking) user rows, then session rows. Nothing
that tracking does while holding a user or session row waits for a group row: the archived-group
guard reads the group without locking it."""

"""C3PO's SvelteKit server (`/compat/c3po/`): JSON and form login, me, refresh, logout, register."""

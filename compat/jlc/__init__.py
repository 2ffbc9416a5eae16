"""Just Like Clockwork's React SPA (`/compat/jlc/`): username sign-in, sessions with laps in
camelCase, lap images, the health probe."""

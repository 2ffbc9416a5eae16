"""Logger's Vue SPA (`/compat/logger/`): cookie sign-in with double-submit CSRF, the week board's
time entries."""

"""Adapters that let each seed backend's own client work against Timekeep with only its base URL
changed: one package per client, mounted at `/compat/<client>/` (docs/clients.md).

Each translates the client's requests and the answers it expects, and calls the apps' services
and selectors; none holds a rule, a query or a permission of its own. Nothing imports compat."""

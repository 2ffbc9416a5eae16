from tracking.tests.conftest import clock  # noqa: F401  (the services' clock, moved by hand)

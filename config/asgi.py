import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # what django.core.asgi.get_asgi_application does

from config.handlers import KeptRoutesASGIHandler  # noqa: E402

application = KeptRoutesASGIHandler()

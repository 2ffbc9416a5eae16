import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)  # what django.core.wsgi.get_wsgi_application does

from config.handlers import KeptRoutesWSGIHandler  # noqa: E402

application = KeptRoutesWSGIHandler()

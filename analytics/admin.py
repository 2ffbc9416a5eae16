from django.contrib import admin
from django.contrib.auth.models import Group as AuthGroup

# Roles (USER, STAFF, ADMIN) replace Django's permission groups, so the console hides them:
# "Groups" there means focus groups only.
if admin.site.is_registered(AuthGroup):
    admin.site.unregister(AuthGroup)

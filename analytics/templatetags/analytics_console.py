"""The staff console's start page reads its figures through this tag, so the admin (config)
needs no import of analytics: `{% console_start_page as start %}`."""

from django import template

from analytics.selectors.console import console_start

register = template.Library()


@register.simple_tag(takes_context=True)
def console_start_page(context):
    user = context["request"].user
    if not (user.is_authenticated and user.is_staff):
        return None
    return console_start(actor=user)

"""Hooks media offers the apps to its right (see config.hooks)."""

from config.hooks import declare

keys_in_use = declare(
    "media.keys_in_use",
    "fn(keys: list[str]) returns those of `keys` under which the registering app still keeps an object "
    "that no Image row describes (analytics' export files), so the orphan sweep leaves them alone.",
)

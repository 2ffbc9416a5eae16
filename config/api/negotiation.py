"""Content negotiation with a shortcut for the API's usual request.

The API has one renderer (JSON). DRF's negotiation parses the Accept header into media types and
ranks them on every request, which on a small answer costs as much as rendering it. A request that
accepts anything (no Accept header, or `*/*`) or exactly the renderer's media type, and asks for no
`?format=`, gets that renderer at once, with the media type DRF would have chosen; anything else
is negotiated by DRF as before (a `406` included)."""

from __future__ import annotations

from rest_framework.negotiation import DefaultContentNegotiation


class ApiContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        if len(renderers) == 1 and not format_suffix:
            renderer = renderers[0]
            accept = request.META.get("HTTP_ACCEPT", "*/*")
            if accept in ("*/*", renderer.media_type) and self.settings.URL_FORMAT_OVERRIDE not in request.query_params:
                return renderer, renderer.media_type
        return super().select_renderer(request, renderers, format_suffix)

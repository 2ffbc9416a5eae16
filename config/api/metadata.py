from rest_framework.metadata import BaseMetadata


class ApiMetadata(BaseMetadata):
    """What an OPTIONS request answers: the view's name and description and the media types it
    renders and parses. DRF's default also describes serializer fields by building the view's
    serializer, which views that choose input and output serializers per action do not have;
    the OpenAPI schema at /api/v1/schema/ is the full description."""

    def determine_metadata(self, request, view):
        return {
            "name": view.get_view_name(),
            "description": view.get_view_description(),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
        }

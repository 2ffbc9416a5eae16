from rest_framework import serializers

from config.api.fields import AwareDateTimeField
from media.models import ImageKind


# Built from {"image": Image, "link": SignedUrl}.
class ImageOutput(serializers.Serializer):
    id = serializers.UUIDField(source="image.uuid")
    kind = serializers.ChoiceField(choices=ImageKind.choices, source="image.kind")
    content_type = serializers.CharField(source="image.content_type")
    byte_size = serializers.IntegerField(source="image.byte_size")
    width = serializers.IntegerField(source="image.width")
    height = serializers.IntegerField(source="image.height")
    created_at = AwareDateTimeField(source="image.created_at")
    url = serializers.CharField(
        source="link.url", help_text="Presigned GET URL; works without credentials until expires_at."
    )
    expires_at = AwareDateTimeField(source="link.expires_at")

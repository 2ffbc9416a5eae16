from django.http import FileResponse, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from config.api.errors import error_response
from config.api.views import ScopedViewSet
from config.errors import ApplicationError
from media.api.serializers import ImageOutput
from media.models import Image
from media.selectors import image_list, image_url, signed_file_open
from media.services import image_delete, signed_upload_receive


@extend_schema(tags=["images"])
class ImageViewSet(mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    """The requester's stored images (lap images, avatars). Uploads go through the endpoints of
    what an image belongs to; here one is fetched through a presigned URL, or deleted."""

    serializer_class = ImageOutput
    queryset = Image.objects.none()

    def scope_queryset(self, request):
        return image_list(actor=request.user)

    @extend_schema(
        responses=ImageOutput,
        description="One of your images with a presigned `url` that works without credentials until "
        "`expires_at` (MEDIA_URL_EXPIRE_SECONDS). Anyone else's image is a 404.",
    )
    def retrieve(self, request, id=None):
        image = self.get_object()
        return Response(ImageOutput({"image": image, "link": image_url(image=image)}).data)

    @extend_schema(
        responses={204: OpenApiResponse(description="Deleted.")},
        description="Deletes one of your images; the stored object is removed once the deletion commits. "
        "A profile picture deleted here is no longer the avatar.",
    )
    def destroy(self, request, id=None):
        image_delete(actor=request.user, image=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@csrf_exempt  # the signature is the credential; no cookie is read
@require_http_methods(["GET", "PUT"])
def signed_file(request, key: str):
    """The local backend's stand-in for presigned S3 URLs. Left out of the API schema: clients
    get these URLs from the API and never build them."""
    try:
        if request.method == "PUT":
            signed_upload_receive(
                key=key,
                query=request.GET,
                content_type=request.content_type or "",
                content_length=request.META.get("CONTENT_LENGTH"),
                body=request,
            )
            return HttpResponse(status=200)
        return _file_response(*signed_file_open(key=key, query=request.GET))
    except FileNotFoundError:
        return error_response(404, "not_found")
    except ApplicationError as exc:
        return error_response(exc.status, exc.code, exc.message)


def _file_response(handle, content_type: str) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response

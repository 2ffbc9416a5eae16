from django.http import FileResponse, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.response import Response

from config.api.errors import error_response
from config.api.views import ScopedViewSet
from config.errors import ApplicationError, NotFound, ValidationFailed
from media.api.serializers import ImageOutput
from media.models import Image
from media.selectors import image_list, image_url
from media.services import image_delete
from media.storage import LocalMediaStorage, media_storage, object_put, storage_errors, validate_key


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
        storage = _local_storage(key)
        storage.verify(
            request.method,
            key,
            request.GET,
            content_type=request.content_type or "",
            content_length=request.META.get("CONTENT_LENGTH"),
        )
        if request.method == "PUT":
            object_put(key, _body(request), content_type=request.content_type)
            return HttpResponse(status=200)
        with storage_errors():
            return _file_response(storage.open(key, "rb"), storage.content_type(key))
    except FileNotFoundError:
        return error_response(404, "not_found")
    except ApplicationError as exc:
        return error_response(exc.status, exc.code, exc.message)


def _local_storage(key: str) -> LocalMediaStorage:
    storage = media_storage()
    try:
        validate_key(key)
    except ValueError:
        raise NotFound("Not found.") from None
    if not isinstance(storage, LocalMediaStorage):
        raise NotFound("Not found.")  # with S3, the S3 server answers presigned URLs
    return storage


def _body(request) -> bytes:
    length = int(request.META["CONTENT_LENGTH"])  # verified equal to the signed length
    data = request.read(length + 1)
    if len(data) != length:
        raise ValidationFailed("The body is not Content-Length bytes long.", code="bad_request")
    return data


def _file_response(handle, content_type: str) -> FileResponse:
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response

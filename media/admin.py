from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.html import format_html

from media.models import Image
from media.selectors import image_url
from media.services import image_delete


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    """Read-only view of stored images for ADMINs (STAFF have no access: these are people's
    pictures). Uploads happen through the API; deleting here goes through the service, so the
    stored object goes too and an audit row is written."""

    list_display = ["uuid", "owner", "kind", "size", "dimensions", "confirmed", "created_at", "thumbnail"]
    list_filter = ["kind", "confirmed"]
    list_select_related = ["owner"]
    search_fields = ["uuid", "key"]
    readonly_fields = [
        "uuid",
        "owner",
        "kind",
        "key",
        "content_type",
        "byte_size",
        "width",
        "height",
        "created_at",
        "confirmed",
        "preview",
    ]
    fields = readonly_fields
    ordering = ["-created_at"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="size", ordering="byte_size")
    def size(self, image: Image) -> str:
        return filesizeformat(image.byte_size)

    @admin.display(description="width × height")
    def dimensions(self, image: Image) -> str:
        return f"{image.width} × {image.height}" if image.width else "—"

    @admin.display(description="preview")
    def thumbnail(self, image: Image) -> str:
        return self._img(image, 48)

    @admin.display(description="preview")
    def preview(self, image: Image) -> str:
        return self._img(image, 320)

    def _img(self, image: Image, size: int) -> str:
        if not image.confirmed:
            return "—"
        return format_html(
            '<img src="{}" alt="" loading="lazy" style="max-width:{}px;max-height:{}px">',
            image_url(image=image).url,
            size,
            size,
        )

    def delete_model(self, request, obj):
        image_delete(actor=request.user, image=obj)

    def delete_queryset(self, request, queryset):
        for image in queryset:
            image_delete(actor=request.user, image=image)

"""Lap images follow their lap.

A lap disappears in many ways that no tracking service sees: its session or its user deleted
(database cascades), an admin bulk delete. The link row is cascaded every time, so its
post_delete is the one place that always knows an image lost its lap."""

from django.db.models import QuerySet
from django.db.models.signals import post_delete
from django.dispatch import receiver

from media.models import Image
from tracking.models import LapImage


@receiver(post_delete, sender=LapImage, dispatch_uid="tracking.delete_image_of_deleted_lap")
def delete_image_of_deleted_lap(sender, instance: LapImage, origin=None, **kwargs) -> None:
    if isinstance(origin, Image) or (isinstance(origin, QuerySet) and origin.model is Image):
        return  # the image itself is being deleted; the link just goes with it
    # media's own post_delete on Image removes the stored object once the transaction commits.
    Image.objects.filter(pk=instance.image_id).delete()

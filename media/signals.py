"""Remove stored objects whose rows are deleted.

A receiver rather than a service step because Image rows also disappear through cascades the
services never see: deleting a user (or a lap in tracking) deletes their images in the same
query batch. Deleting the object only after the transaction commits means a rolled-back delete
never loses a picture whose row came back.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from media.models import Image
from media.services import object_delete_after_commit


@receiver(post_delete, sender=Image, dispatch_uid="media.delete_object_after_commit")
def delete_object_after_commit(sender, instance: Image, using: str, **kwargs) -> None:
    object_delete_after_commit(instance.key, using=using)

from django.apps import AppConfig
from django.db.models.signals import post_delete


class TicketsConfig(AppConfig):
    name = "tickets"

    def ready(self) -> None:
        from tickets.models import Photo
        from tickets.photos import configure_pillow
        from tickets.services import photo_deleted

        configure_pillow()
        post_delete.connect(photo_deleted, sender=Photo, dispatch_uid="photo_storage_release")

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class ShopsConfig(AppConfig):
    name = "shops"
    verbose_name = "Shops, branches and staff"

    def ready(self) -> None:
        from shops import lookups
        from shops.db import refuse_integer_wraparound

        lookups.register()
        connection_created.connect(refuse_integer_wraparound, dispatch_uid="shops.int_range")

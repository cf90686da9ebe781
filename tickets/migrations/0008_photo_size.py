from django.db import migrations, models
from django.db.models import Count, Sum

BATCH = 2000


def count_existing_photos(apps, schema_editor):
    """Each photo's size from its file, then every shop's total: what uploads count on from now."""
    Photo = apps.get_model("tickets", "Photo")
    Shop = apps.get_model("shops", "Shop")
    PhotoStorage = apps.get_model("shops", "PhotoStorage")
    storage = Photo._meta.get_field("image").storage
    batch = []
    for photo in Photo.objects.only("id", "image").order_by("id").iterator(chunk_size=BATCH):
        try:
            photo.size = storage.size(photo.image.name)
        except OSError:  # the file is gone (a copied database without its media): counts nothing
            photo.size = 0
        batch.append(photo)
        if len(batch) == BATCH:
            Photo.objects.bulk_update(batch, ["size"])
            batch = []
    Photo.objects.bulk_update(batch, ["size"])
    totals = {
        row["shop_id"]: row
        for row in Photo.objects.values("shop_id").annotate(used=Sum("size"), photos=Count("id"))
    }
    PhotoStorage.objects.bulk_create(
        [
            PhotoStorage(
                shop_id=shop_id,
                used_bytes=totals.get(shop_id, {}).get("used") or 0,
                photo_count=totals.get(shop_id, {}).get("photos") or 0,
            )
            for shop_id in Shop.objects.values_list("id", flat=True).iterator(chunk_size=BATCH)
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("shops", "0006_photo_storage"),
        ("tickets", "0007_quote_line_pricebook"),
    ]

    operations = [
        migrations.AddField(
            model_name="photo",
            name="size",
            field=models.PositiveIntegerField(default=0, verbose_name="bytes stored"),
        ),
        migrations.RunPython(count_existing_photos, migrations.RunPython.noop),
    ]

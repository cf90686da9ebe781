import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shops', '0005_pricebook_settings'),
    ]

    operations = [
        migrations.CreateModel(
            name='PhotoStorage',
            fields=[
                ('shop', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='photo_storage', serialize=False, to='shops.shop')),
                ('used_bytes', models.PositiveBigIntegerField(default=0)),
                ('photo_count', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.AddField(
            model_name='shop',
            name='photo_storage_quota',
            field=models.PositiveBigIntegerField(default=5368709120, help_text="Photos beyond this are refused. Set here by Benchdesk (the shop's managers see it under Settings → Shop). 5 GiB holds roughly 10,000 photos as they are kept.", verbose_name='photo storage allowance (bytes)'),
        ),
    ]

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

# Tasks start with no shop and say which (tenancy/celery.py).
app = Celery("benchdesk", task_cls="tenancy.celery:TenantTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

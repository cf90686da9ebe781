import os

from django.core.wsgi import get_wsgi_application

from config.process import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()
settle()

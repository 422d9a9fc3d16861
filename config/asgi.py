import os

from django.conf import settings
from django.core.asgi import get_asgi_application

from config.production import refuse_unsafe_production

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()
refuse_unsafe_production(debug=settings.DEBUG)  # a production server fails closed

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.production import refuse_unsafe_production

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
refuse_unsafe_production(debug=settings.DEBUG)  # a production server fails closed

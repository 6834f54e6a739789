"""ASGI entry point: HTTP through Django (bodies past the upload limit refused before they are spooled,
config/bodylimit.py), websockets through channels (Origin matched exactly, config/origins.py; then the
session and its user in one database trip, notifications/auth.py).

Once the application is built, every view is imported and what start-up made is frozen out of the
garbage collector's generations (`gc.freeze`): modules, models, URL patterns live as long as the worker,
and a full collection walked all of them — a pause of ~130 ms for every request and socket of the
worker, once every few hundred requests (bench/collector.py).
"""

import gc
import os

from django.core.asgi import get_asgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.bodylimit import RequestBodyLimit  # noqa: E402
from config.origins import ExactOriginValidator  # noqa: E402
from notifications.auth import SocketAuthMiddlewareStack  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app),
        "websocket": ExactOriginValidator(SocketAuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

get_resolver().url_patterns  # every view imported now, not by the first request
gc.freeze()

"""HMS project package: settings, URLs, ASGI/WSGI and the cross-cutting core."""

"""The todo demo's Django project: settings, URLs and the WSGI application."""

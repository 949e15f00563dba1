from django.apps import AppConfig


class VntextConfig(AppConfig):
    """Registered only so its tests and translations are found; the package imports no Django."""

    name = "vntext"

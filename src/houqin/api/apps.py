from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "houqin.api"
    label = "api"

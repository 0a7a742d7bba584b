from django.conf import settings


def shell(request):
    """What the base layout needs: campus, roles, navigation, unread count."""
    from houqin.core.navigation import build_navigation

    campus = getattr(request, "campus", None)
    perms = getattr(request, "perms", set())
    ctx = {
        "campus": campus,
        "perms": perms,
        "roles": getattr(request, "roles", set()),
        "app_name": settings.HOUQIN_APP_NAME,
    }
    if campus is not None and request.user.is_authenticated and perms:
        ctx["navigation"] = build_navigation(request)
    return ctx

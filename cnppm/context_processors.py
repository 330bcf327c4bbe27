from django.conf import settings

from .navigation import items_for


def portal(request):
    user = getattr(request, "user", None)
    context = {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "ALLOW_SIGNUP": settings.ACCOUNT_ALLOW_SIGNUP,
        "nav_items": [],
        "unread_notifications": 0,
    }
    if user is not None and user.is_authenticated:
        context["nav_items"] = items_for(user, current_path=request.path)
        context["unread_notifications"] = user.notifications.filter(read_at__isnull=True).count()
    return context

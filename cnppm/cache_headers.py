"""`Cache-Control: no-store` on everything a signed-in user receives, and on every file download.

By construction rather than per view: personal data can be on any signed-in page (the navigation
bar alone names the user; cabinets, lists, cards, results, API answers and exports name others), so
a per-view decorator would sooner or later miss one, and a shared computer's browser cache or a
proxy would keep it after logout. Static files are not concerned: WhiteNoise answers them before
this middleware runs, so they stay cacheable."""

from django.utils.cache import add_never_cache_headers


class NoStoreForSignedInMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        download = "attachment" in response.get("Content-Disposition", "")
        if signed_in or download:
            add_never_cache_headers(response)
        return response

"""The one router of the API. Every object id in the API is a database integer, so the router makes
the id segment numeric for every ViewSet that does not set its own `lookup_value_regex`: `null,null`,
`abc` or a 20-digit number never reach a view (they used to reach `int(pk)` and answer 500); they
are 404 like any id that does not exist."""

from rest_framework.routers import SimpleRouter

# Up to 18 digits: always inside a 64-bit primary key, so no lookup can overflow the database type.
NUMERIC_ID = r"[0-9]{1,18}"


class Router(SimpleRouter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # SimpleRouter's fallback when a ViewSet has no lookup_value_regex (DRF 3.18: '[^/.]+').
        self._default_value_pattern = NUMERIC_ID

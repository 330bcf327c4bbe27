"""The actions the portal's pages offer: every view behind a URL that accepts a POST (found by walking
the URL resolver and reading the view's source and the module helpers it calls)."""

from __future__ import annotations

import inspect
import sys

from django.urls import URLPattern, URLResolver, get_resolver

POST_MARKS = ("POST", "require_POST", "require_http_methods")


def _walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield prefix + str(p.pattern), name, p.callback


def _source(fn) -> str:
    try:
        return inspect.getsource(fn)
    except (OSError, TypeError):
        return ""


def _handles_post(fn, seen=None) -> bool:
    """The function (with its decorators) or a helper of its module it calls reads a POST."""
    seen = seen if seen is not None else set()
    if fn in seen:
        return False
    seen.add(fn)
    if any(mark in _source(fn) for mark in POST_MARKS):
        return True
    module = sys.modules.get(getattr(fn, "__module__", ""), None)
    code = getattr(fn, "__code__", None)
    if module is None or code is None:
        return False
    for name in code.co_names:
        helper = getattr(module, name, None)
        local = inspect.isfunction(helper) and helper.__module__ == module.__name__
        if local and name.startswith("_") and _handles_post(inspect.unwrap(helper), seen):
            return True
    return False


def accepts_post(callback) -> bool:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return hasattr(view_class, "post")
    return _handles_post(inspect.unwrap(callback))


def post_actions() -> dict[str, str]:
    """url name → route of every page URL (not the API's) whose view accepts a POST."""
    found = {}
    for route, name, callback in _walk(get_resolver().url_patterns):
        if route.startswith("api/") or not name:
            continue
        if accepts_post(callback):
            found[name] = route
    return found

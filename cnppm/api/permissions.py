from rest_framework.permissions import BasePermission


class PortalUserPermission(BasePermission):
    """Signed-in users only; row access is narrowed by cnppm.access in each view's queryset."""

    message = "Требуется вход в систему."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


class HasRole(BasePermission):
    """Use as `HasRole.of(Role.OPERATOR, ...)`; others get 404 as if the endpoint did not exist."""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles):
        return type("HasRole_" + "_".join(roles), (cls,), {"roles": roles})

    def has_permission(self, request, view):
        from rest_framework.exceptions import NotFound

        from cnppm.access import has_role

        if not (request.user and request.user.is_authenticated):
            return False
        if not has_role(request.user, *self.roles):
            raise NotFound
        return True

from rest_framework.permissions import BasePermission


class PortalUserPermission(BasePermission):
    """Signed-in users only; row access is narrowed by cnppm.access in each view's queryset."""

    message = "Требуется вход в систему."

    def has_permission(self, request, view):
        from rest_framework.exceptions import PermissionDenied

        from cnppm.services import consent_is_given

        user = request.user
        if not (user and user.is_authenticated):
            return False
        # The middleware gates session requests; token requests are authenticated only here, so
        # the same gates apply again: an issued password must be changed, consent must be live.
        if user.must_change_password:
            raise PermissionDenied("Смените выданный пароль, чтобы продолжить работу.")
        if not consent_is_given(user):
            raise PermissionDenied(
                "Дайте согласие на обработку персональных данных, чтобы продолжить работу."
            )
        return True


class HasRole(PortalUserPermission):
    """Use as `HasRole.of(Role.OPERATOR, ...)`; others get 404 as if the endpoint did not exist.
    Includes the portal gates of PortalUserPermission, so it is safe on its own."""

    roles: tuple[str, ...] = ()

    @classmethod
    def of(cls, *roles):
        return type("HasRole_" + "_".join(roles), (cls,), {"roles": roles})

    def has_permission(self, request, view):
        from rest_framework.exceptions import NotFound

        from cnppm.access import has_role

        if not super().has_permission(request, view):
            return False
        if not has_role(request.user, *self.roles):
            raise NotFound
        return True

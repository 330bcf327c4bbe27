from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from . import models


@admin.register(models.User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Портал", {"fields": ("must_change_password",)}))
    list_display = ("username", "email", "first_name", "last_name", "is_active", "must_change_password")

from django.shortcuts import render

from . import access
from .choices import Role


@access.role_required(Role.OPERATOR)
def imports(request):
    return render(request, "cnppm/imports.html", {})

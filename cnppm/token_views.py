"""Pages for API tokens: the owner revokes their own from the personal cabinet; an operator lists
and revokes the tokens of people in their region. Thin: scope, one service call, a message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import access
from .api_tokens import api_token_revoke, tokens_for_operator
from .choices import Role


@login_required
@require_POST
def token_revoke(request, pk: int):
    """The owner's button in the cabinet, and the operator's on their page: the same service, which
    finds only the caller's own tokens and, for an operator, those of their region (else 404)."""
    if not api_token_revoke(actor=request.user, token_id=pk):
        raise Http404
    messages.success(request, "Токен отозван: запросы с ним больше не принимаются.")
    return redirect(request.POST.get("back") == "operator" and "api_tokens" or "cabinet")


@access.role_required(Role.OPERATOR)
def tokens_list(request):
    return render(request, "cnppm/api_tokens.html", {"tokens": tokens_for_operator(request.user)[:500]})

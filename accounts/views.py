from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts.forms import SignUpForm
from accounts.roles import is_curator


class LoginView(auth_views.LoginView):
    """Sign-in. The one place to hook login throttling into (wrap ``form_invalid``/``post`` or this view)."""

    redirect_authenticated_user = True


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        next_url = ""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
        except IntegrityError:  # a concurrent sign-up took the username or the e-mail address in the meantime
            form.add_conflict_error()
            return render(request, "accounts/signup.html", {"form": form, "next": next_url})
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.username}. You can now submit papers and mappings.")
        return redirect(next_url or "accounts:profile")
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


@login_required
def profile(request):
    token = Token.objects.filter(user=request.user).first()
    new_key = request.session.pop("new_token_key", None)
    return render(
        request,
        "accounts/profile.html",
        {
            "token": token,
            # The full key is shown once, right after it was created; afterwards only its last characters.
            "new_key": new_key if token and new_key == token.key else None,
            "is_curator": is_curator(request.user),
        },
    )


@require_POST
@login_required
def token_create(request):
    Token.objects.filter(user=request.user).delete()
    token = Token.objects.create(user=request.user)
    request.session["new_token_key"] = token.key
    messages.success(request, "A new API token was created; copy it now, it is shown only once.")
    return redirect(reverse("accounts:profile") + "#api-token")


@require_POST
@login_required
def token_revoke(request):
    deleted, _ = Token.objects.filter(user=request.user).delete()
    messages.success(request, "Your API token was revoked." if deleted else "You had no API token.")
    return redirect(reverse("accounts:profile") + "#api-token")

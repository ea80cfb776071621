from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from accounts import signup as signup_service
from accounts.forms import USERNAME_TAKEN, SignUpForm
from accounts.roles import is_curator


class LoginView(auth_views.LoginView):
    """Sign-in. The one place to hook login throttling into (wrap ``form_invalid``/``post`` or this view)."""

    redirect_authenticated_user = True


def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next") or "")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            signup_service.start(request, form, next_url)
        except signup_service.UsernameTaken:
            form.add_error("username", USERNAME_TAKEN)
        else:
            return render(request, "accounts/signup_done.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/signup.html", {"form": form, "next": next_url})


def activate(request, uidb64, token):
    user = signup_service.activate(uidb64, token)
    if user is None:
        return render(request, "accounts/activation_invalid.html", status=400)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, f"Welcome, {user.username}. You can now submit papers and mappings.")
    return redirect(_safe_next(request, request.GET.get("next", "")) or "accounts:profile")


def _safe_next(request, next_url: str) -> str:
    if url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        return next_url
    return ""


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

"""Sign-up with e-mail confirmation: the answer never tells whether an address has an account already.

As with password resets, a sign-up answers "check your e-mail" whatever the address: a new address gets an
inactive account and a link that activates it (and signs its owner in); an address that has an account gets a
message saying so, with links to sign in or reset the password, and nothing is created. An unconfirmed sign-up
(inactive, never signed in) is replaced by a newer one for the same address, so nobody can hold an address they
cannot read. Usernames stay unique (a form error, also under concurrency: ``UsernameTaken``).
"""

from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_decode, urlsafe_base64_encode

SUBJECT = "Your account on the ML Debugging Knowledge Base"


class UsernameTaken(Exception):
    """A concurrent sign-up took the username between the form's check and the insert."""


def start(request, form, next_url: str = "") -> None:
    """Create the inactive account and mail its activation link, or tell the address's owner they have one."""
    email = form.cleaned_data["email"]
    with transaction.atomic():
        existing = User.objects.filter(email__iexact=email).first()
        if existing is not None and not existing.is_active and existing.last_login is None:
            existing.delete()  # an unconfirmed sign-up: the newer one replaces it
            existing = None
        if existing is None:
            try:
                with transaction.atomic():
                    user = form.save(commit=False)
                    user.is_active = False
                    user.save()
            except IntegrityError:  # a concurrent sign-up took the username or the address meanwhile
                if User.objects.filter(username__iexact=form.cleaned_data["username"]).exists():
                    raise UsernameTaken from None
                existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        link = reverse("accounts:activate", args=[urlsafe_base64_encode(force_bytes(user.pk)), _token(user)])
        if next_url:
            link += "?" + urlencode({"next": next_url})
        _mail(request, "accounts/signup_activate_email.txt", email, {"user": user, "link": link})
    else:
        context = {"user": existing, "login": reverse("login"), "reset": reverse("password_reset")}
        _mail(request, "accounts/signup_exists_email.txt", email, context)


def activate(uidb64: str, token: str) -> User | None:
    """The account the link activates (now active), or None for a wrong, used or expired link."""
    try:
        user = User.objects.get(pk=urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        return None
    if user.is_active or not default_token_generator.check_token(user, token):
        return None
    user.is_active = True
    user.save(update_fields=["is_active"])
    return user


def _token(user) -> str:
    return default_token_generator.make_token(user)


def _mail(request, template: str, to: str, context: dict) -> None:
    context = {**context, "base": request.build_absolute_uri("/")[:-1]}
    send_mail(SUBJECT, render_to_string(template, context), None, [to])

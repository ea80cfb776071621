"""Concurrent sign-ups on PostgreSQL: the losers of a username or e-mail race get a form error, never a 500 or a
second account (threads with their own database connections, released together once each form has validated)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse

from accounts.forms import USERNAME_TAKEN, SignUpForm

pytestmark = [pytest.mark.postgres]
RACERS = 4


def race(bodies: list[dict]) -> list:
    """Post each sign-up from its own thread; every form validates before any of them saves.

    Each result is (status, "done" for the check-your-e-mail page, else whether the page shows USERNAME_TAKEN).
    """
    barrier = threading.Barrier(len(bodies), timeout=30)
    original = SignUpForm.is_valid

    def is_valid_then_wait(form):
        valid = original(form)
        barrier.wait()  # all have passed the application-level checks: only the database can tell them apart
        return valid

    def sign_up(body):
        try:
            response = Client().post(reverse("accounts:signup"), body)
            # The page, not response.context: the test client collects rendered templates through a global signal,
            # so with threads one response's context may hold another's form.
            page = response.content.decode()
            return response.status_code, ("done" if "Check your e-mail" in page else USERNAME_TAKEN in page)
        finally:
            connection.close()

    with mock.patch.object(SignUpForm, "is_valid", is_valid_then_wait), ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(sign_up, bodies))


def body(username: str, email: str) -> dict:
    return {
        "username": username,
        "email": email,
        "password1": "a-long-pass-phrase-42",
        "password2": "a-long-pass-phrase-42",
    }


@pytest.mark.django_db(transaction=True)
def test_same_username_race_gives_one_account_and_form_errors(postgres_only):
    results = race([body("ada", f"ada{n}@example.org") for n in range(RACERS)])
    assert sorted(results, key=str) == [(200, "done")] + [(200, True)] * (RACERS - 1)
    assert User.objects.filter(username="ada").count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_same_email_race_in_any_case_gives_one_account(postgres_only):
    emails = ["ada@example.org", "ADA@example.org", "Ada@Example.org", "ada@EXAMPLE.ORG"]
    results = race([body(f"ada{n}", email) for n, email in enumerate(emails)])
    assert results == [(200, "done")] * RACERS  # every one told to check their e-mail, none a 500
    assert User.objects.filter(email__iexact="ada@example.org").count() == 1
    # One activation link (the winner) and three "this address has an account" messages.
    assert sorted("/accounts/activate/" in message.body for message in mail.outbox) == [False] * 3 + [True]


@pytest.mark.django_db
def test_the_database_refuses_a_second_account_with_the_same_email_in_another_case():
    User.objects.create_user("ada", "ada@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("ada2", "ADA@example.org")
    User.objects.create_user("nomail1", "")  # accounts without an address are not constrained
    User.objects.create_user("nomail2", "")
    assert User.objects.count() == 3

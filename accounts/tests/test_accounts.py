"""Accounts: sign up, sign in and out, password reset by e-mail, API tokens, roles and the create_curator command."""

import re
from io import StringIO
from unittest import mock

from django.contrib.auth.models import User
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, TestCase
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import (
    RETRACT_PERMISSION,
    REVIEW_PERMISSION,
    SNAPSHOT_PERMISSION,
    curators_group,
    is_curator,
)


def activation_link(message) -> str:
    return re.search(r"http://testserver(/accounts/activate/\S+)", message.body).group(1)


class SignUpTests(TestCase):
    def sign_up(self, username="ada", email="ada@example.org", path=None, **extra):
        data = {"username": username, "email": email, "password1": "a-long-pass-phrase-42"}
        data["password2"] = data["password1"]
        return self.client.post(path or reverse("accounts:signup"), {**data, **extra})

    def test_sign_up_mails_an_activation_link_that_signs_the_researcher_in(self):
        response = self.sign_up()
        self.assertContains(response, "We sent a message to <strong>ada@example.org</strong>.")
        user = User.objects.get(username="ada")
        self.assertEqual((user.email, user.is_active), ("ada@example.org", False))
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["ada@example.org"])
        response = self.client.get(activation_link(mail.outbox[0]))
        self.assertRedirects(response, reverse("accounts:profile"))
        user.refresh_from_db()
        self.assertTrue(user.is_active)
        self.assertFalse(is_curator(user))
        self.assertFalse(user.is_staff)
        page = self.client.get(reverse("accounts:profile"))
        self.assertContains(page, "Researcher (submit papers and mappings)")
        self.assertContains(page, "My submissions")
        # The link works once.
        self.client.logout()
        self.assertEqual(self.client.get(activation_link(mail.outbox[0])).status_code, 400)

    def test_a_registered_address_gets_the_same_answer_and_its_owner_an_e_mail(self):
        User.objects.create_user("taken", "taken@example.org", "x-long-pass-phrase-42")
        new = self.sign_up("ada", "ada@example.org")
        taken = self.sign_up("ada2", "TAKEN@example.org")
        self.assertEqual(
            new.content.decode().replace("ada@example.org", "X"),
            taken.content.decode().replace("TAKEN@example.org", "X"),
        )
        self.assertFalse(User.objects.filter(username="ada2").exists())
        self.assertEqual(mail.outbox[1].to, ["TAKEN@example.org"])
        self.assertIn('already belongs to the account "taken"', mail.outbox[1].body)
        self.assertNotIn("/accounts/activate/", mail.outbox[1].body)

    def test_an_unconfirmed_sign_up_is_replaced_by_a_newer_one(self):
        self.sign_up("squatter", "ada@example.org")
        self.sign_up("ada", "ADA@example.org")
        self.assertEqual(list(User.objects.values_list("username", flat=True)), ["ada"])
        self.assertEqual(self.client.get(activation_link(mail.outbox[0])).status_code, 400)
        self.assertRedirects(self.client.get(activation_link(mail.outbox[1])), reverse("accounts:profile"))

    def test_sign_up_follows_next_only_to_this_site(self):
        self.sign_up(path=reverse("accounts:signup") + "?next=https://evil.example.org/")
        self.assertRedirects(self.client.get(activation_link(mail.outbox[0])), reverse("accounts:profile"))
        self.client.logout()
        self.sign_up("bob2", "bob2@example.org", next=reverse("papers:submission-create"))
        response = self.client.get(activation_link(mail.outbox[1]))
        self.assertRedirects(response, reverse("papers:submission-create"))

    def test_sign_up_errors_are_on_their_fields(self):
        User.objects.create_user("taken", "taken@example.org", "x-long-pass-phrase-42")
        response = self.sign_up("taken", "TAKEN@example.org", password2="different-phrase-43")
        form = response.context["form"]
        self.assertEqual(
            form.errors,
            {
                "username": ["A user with that username already exists."],
                "password2": ["The two password fields didn’t match."],
            },
        )
        self.assertEqual(User.objects.count(), 1)
        self.assertEqual(mail.outbox, [])


class SignInOutTests(TestCase):
    def setUp(self):
        self.user = User.objects.create_user("ada", "ada@example.org", "a-long-pass-phrase-42")

    def test_sign_in_and_out(self):
        response = self.client.post(reverse("login"), {"username": "ada", "password": "a-long-pass-phrase-42"})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(int(self.client.session["_auth_user_id"]), self.user.pk)
        self.assertEqual(self.client.get(reverse("logout")).status_code, 405)  # sign-out is a POST
        response = self.client.post(reverse("logout"))
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_wrong_password_is_a_form_error(self):
        response = self.client.post(reverse("login"), {"username": "ada", "password": "nope"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("Please enter a correct username and password.", response.context["form"].non_field_errors()[0])

    def test_pages_for_signed_in_users_send_anonymous_users_to_sign_in(self):
        for name in ("accounts:profile", "papers:submission-create", "papers:submission-list"):
            with self.subTest(name=name):
                response = self.client.get(reverse(name))
                self.assertRedirects(
                    response, f"{reverse('login')}?next={reverse(name)}", fetch_redirect_response=False
                )

    def test_navigation_shows_the_users_links(self):
        page = self.client.get(reverse("login"))
        self.assertContains(page, f'href="{reverse("accounts:signup")}"')
        self.client.force_login(self.user)
        page = self.client.get(reverse("accounts:profile"))
        self.assertContains(page, f'action="{reverse("logout")}"')
        self.assertContains(page, f'href="{reverse("papers:submission-list")}"')
        self.assertNotContains(page, f'href="{reverse("papers:review-queue")}"')
        self.user.groups.add(curators_group())
        page = self.client.get(reverse("accounts:profile"))
        self.assertContains(page, f'href="{reverse("papers:review-queue")}"')


class PasswordResetTests(TestCase):
    def test_reset_by_e_mail_link(self):
        User.objects.create_user("ada", "ada@example.org", "a-long-pass-phrase-42")
        response = self.client.post(reverse("password_reset"), {"email": "ada@example.org"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertEqual(message.subject, "Reset your ML Debugging Knowledge Base password")
        self.assertEqual(message.to, ["ada@example.org"])
        link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)
        form_page = self.client.get(link, follow=True)
        self.assertTrue(form_page.context["validlink"])
        response = self.client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": "another-long-phrase-43", "new_password2": "another-long-phrase-43"},
        )
        self.assertRedirects(response, reverse("password_reset_complete"))
        self.assertTrue(self.client.login(username="ada", password="another-long-phrase-43"))

    def test_unknown_address_sends_nothing_but_says_the_same(self):
        response = self.client.post(reverse("password_reset"), {"email": "nobody@example.org"})
        self.assertRedirects(response, reverse("password_reset_done"))
        self.assertEqual(mail.outbox, [])


class TokenTests(TestCase):
    def setUp(self):
        self.user = User.objects.create_user("ada", "ada@example.org", "a-long-pass-phrase-42")
        self.client.force_login(self.user)

    def test_create_shows_the_key_once_then_only_its_end(self):
        response = self.client.post(reverse("accounts:token-create"), follow=True)
        token = Token.objects.get(user=self.user)
        self.assertContains(response, token.key)
        again = self.client.get(reverse("accounts:profile"))
        self.assertNotContains(again, token.key)
        self.assertContains(again, f"…{token.key[-4:]}")

    def test_the_api_accepts_the_token_until_it_is_revoked(self):
        self.client.post(reverse("accounts:token-create"))
        key = Token.objects.get(user=self.user).key
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        self.assertEqual(api.get(reverse("api:submission-list")).status_code, 200)
        self.client.post(reverse("accounts:token-create"))  # replacing it invalidates the old key
        self.assert_refused(api)
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=self.user).key}")
        self.assertEqual(api.get(reverse("api:submission-list")).status_code, 200)
        response = self.client.post(reverse("accounts:token-revoke"), follow=True)
        self.assertContains(response, "Your API token was revoked.")
        self.assertFalse(Token.objects.exists())
        self.assert_refused(api)

    def assert_refused(self, api):
        response = api.get(reverse("api:submission-list"))
        self.assertEqual((response.status_code, response.json()), (401, {"detail": "Invalid token."}))
        self.assertEqual(response["WWW-Authenticate"], "Token")

    def test_token_actions_are_posts_with_csrf(self):
        self.assertEqual(self.client.get(reverse("accounts:token-create")).status_code, 405)
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.user)
        self.assertEqual(client.post(reverse("accounts:token-create")).status_code, 403)
        self.assertFalse(Token.objects.exists())


class RoleTests(TestCase):
    def test_the_curators_group_exists_with_review_permissions_and_no_delete(self):
        group = curators_group()
        codenames = set(group.permissions.values_list("content_type__app_label", "codename"))
        for perm in (
            REVIEW_PERMISSION,
            RETRACT_PERMISSION,
            SNAPSHOT_PERMISSION,
            "papers.change_paper",
            "taxonomy.change_fault",
        ):
            self.assertIn(tuple(perm.split(".")), codenames)
        self.assertFalse([c for _, c in codenames if c.startswith("delete_")])
        self.assertFalse([c for _, c in codenames if "historical" in c])
        self.assertNotIn(("coverage", "change_snapshot"), codenames)

    def test_is_curator(self):
        user = User.objects.create_user("ada", "ada@example.org", "a-long-pass-phrase-42")
        self.assertFalse(is_curator(user))
        user.groups.add(curators_group())
        self.assertTrue(is_curator(User.objects.get(pk=user.pk)))
        user.is_active = False
        self.assertFalse(is_curator(user))


class CreateCuratorCommandTests(TestCase):
    def run_command(self, *args, env=None):
        out = StringIO()
        with mock.patch.dict("os.environ", env or {}, clear=False):
            call_command("create_curator", *args, stdout=out)
        return out.getvalue()

    def test_creates_a_curator_with_the_password_from_the_environment(self):
        out = self.run_command(
            "carla", "--email", "carla@example.org", env={"KB_CURATOR_PASSWORD": "carla-long-phrase-42"}
        )
        self.assertEqual(out.strip(), "Created curator 'carla'.")
        user = User.objects.get(username="carla")
        self.assertTrue(is_curator(user))
        self.assertTrue(user.is_staff)
        self.assertFalse(user.is_superuser)
        self.assertTrue(user.check_password("carla-long-phrase-42"))
        self.assertEqual(user.email, "carla@example.org")

    def test_password_option_and_prompt(self):
        self.run_command("dora", "--password", "dora-long-phrase-42")
        self.assertTrue(User.objects.get(username="dora").check_password("dora-long-phrase-42"))
        with mock.patch("getpass.getpass", side_effect=["erin-long-phrase-42", "erin-long-phrase-42"]):
            self.run_command("erin")
        self.assertTrue(User.objects.get(username="erin").check_password("erin-long-phrase-42"))
        with (
            mock.patch("getpass.getpass", side_effect=["one-long-phrase-42", "two-long-phrase-42"]),
            self.assertRaisesMessage(CommandError, "The two passwords differ."),
        ):
            self.run_command("fay")
        self.assertFalse(User.objects.filter(username="fay").exists())

    def test_refuses_a_weak_password_and_a_missing_one_without_input(self):
        with self.assertRaisesMessage(CommandError, "This password is too short."):
            self.run_command("gus", "--password", "short")
        with (
            self.assertRaisesMessage(CommandError, "No password: pass --password or set KB_CURATOR_PASSWORD."),
            mock.patch.dict("os.environ", {}, clear=True),
        ):
            call_command("create_curator", "gus", "--no-input", stdout=StringIO())
        self.assertFalse(User.objects.filter(username="gus").exists())

    def test_gives_an_existing_user_the_role(self):
        user = User.objects.create_user("hal", "hal@example.org", "hal-long-phrase-42")
        out = self.run_command("hal", "--no-input")
        self.assertEqual(out.strip(), "Gave the curator role to existing user 'hal'.")
        user.refresh_from_db()
        self.assertTrue(is_curator(user))
        self.assertTrue(user.check_password("hal-long-phrase-42"))
        self.assertEqual(curators_group().user_set.count(), 1)

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

USERNAME_TAKEN = "A user with that username already exists."


class SignUpForm(UserCreationForm):
    """A researcher account: username, e-mail (for password resets) and password.

    Whether the address has an account already is not checked here: the answer would tell anyone who asks
    (``accounts/signup.py`` handles it by e-mail). Usernames and addresses (case-insensitively) are unique in the
    database too (``accounts/migrations/0002_unique_email.py``).
    """

    email = forms.EmailField(help_text="Used to activate the account and for password resets.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        return self.cleaned_data["email"].strip()

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User

EMAIL_TAKEN = "An account with this e-mail address exists already; sign in or reset the password."
USERNAME_TAKEN = "A user with that username already exists."


class SignUpForm(UserCreationForm):
    """A researcher account: username, e-mail (for password resets) and password.

    Usernames and e-mail addresses (case-insensitively) are unique in the database as well
    (``accounts/migrations/0002_unique_email.py``): the loser of two concurrent sign-ups gets the form error that
    ``clean_email`` or the username check gives when they are not concurrent (``accounts.views.signup``).
    """

    email = forms.EmailField(help_text="Used only for password resets.")

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ["username", "email"]

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def add_conflict_error(self) -> None:
        """After an IntegrityError on save: the error on the field whose value another sign-up took meanwhile."""
        if User.objects.filter(username__iexact=self.cleaned_data["username"]).exists():
            self.add_error("username", USERNAME_TAKEN)
        else:
            self.add_error("email", EMAIL_TAKEN)

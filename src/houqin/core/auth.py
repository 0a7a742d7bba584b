"""Log in with the user name or the mobile phone number."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class UsernameOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        username = username.strip()
        candidates = list(User._default_manager.filter(Q(username__iexact=username) | Q(phone=username))[:2])
        if len(candidates) != 1:
            User().set_password(password)  # same work either way, against timing probes
            return None
        user = candidates[0]
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

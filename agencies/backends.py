"""The authentication backend: Django's ModelBackend, whose `get_user` brings the officer along.

Every request loads its user from the session through the backend that signed it in (`get_user`), and
every page then asks for the user's officer and agency (the name and agency in the menu and toolbar,
the lists' scope, `agencies.permissions.officer_of`). Loaded with the user, in one query, they cost one
round trip a request less — on every page and every notification socket's handshake.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class OfficerBackend(ModelBackend):
    def get_user(self, user_id):
        """ModelBackend's `get_user`, with the user's officer and its agency (a user without an officer
        is remembered as such: `officer_of` asks no further)."""
        users = get_user_model()._default_manager.select_related("officer__agency")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

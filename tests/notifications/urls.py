"""URLconf for the notification tests: the app's URLs plus a login page to redirect to.

The tests do not depend on config/urls.py, which wires the app in the project.
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("notifications/", include("notifications.urls")),
]

from django.urls import path
from rest_framework.routers import SimpleRouter

from accounts.api import views
from config.api.views import alias_view

app_name = "accounts"

router = SimpleRouter()
router.register("users", views.UserViewSet, basename="user")
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="register"),
    path("auth/signup/", alias_view(views.RegisterView).as_view(), name="signup"),
    path("auth/login/", views.LoginView.as_view(), name="login"),
    path("auth/login/json/", views.LoginJsonView.as_view(), name="login-json"),
    path("auth/refresh/", views.RefreshView.as_view(), name="refresh"),
    path("auth/logout/", views.LogoutView.as_view(), name="logout"),
    path("auth/password-reset/", views.PasswordResetView.as_view(), name="password-reset"),
    path("auth/password-reset/confirm/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("auth/verify-email/", views.VerifyEmailView.as_view(), name="verify-email"),
    path("auth/verify-email/resend/", views.VerifyEmailResendView.as_view(), name="verify-email-resend"),
    path("auth/mfa/verify/", views.MfaVerifyView.as_view(), name="mfa-verify"),
    path("auth/mfa/totp/", views.MfaTotpView.as_view(), name="mfa-totp"),
    path("auth/mfa/totp/confirm/", views.MfaTotpConfirmView.as_view(), name="mfa-totp-confirm"),
    path("auth/revoke-all/", views.RevokeAllView.as_view(), name="revoke-all"),
    path("auth/revoke_all/", alias_view(views.RevokeAllView).as_view(), name="revoke-all-underscore"),
    path("auth/me/", views.MeView.as_view(), name="me"),
    path("users/me/", alias_view(views.MeView).as_view(), name="users-me"),
    path("me/", alias_view(views.MeView).as_view(), name="me-short"),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("profiles/avatar/", views.AvatarView.as_view(), name="avatar"),
    path("profiles/avatar/upload-url/", views.AvatarUploadUrlView.as_view(), name="avatar-upload-url"),
    path("profiles/avatar/confirm/", views.AvatarConfirmView.as_view(), name="avatar-confirm"),
    *router.urls,
]

"""Input serializers check shape and types; output serializers shape responses. Rules that
depend on stored data live in the services."""

from datetime import UTC

from django.http import QueryDict
from rest_framework import serializers

from accounts.models import Notification, Role, Theme, TimeFormat, User, UserSettings, WeekStart
from accounts.validators import validate_country, validate_timezone
from config.api.fields import AwareDateTimeField
from media.models import CONTENT_TYPES
from media.selectors import image_url


class RegisterInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    timezone = serializers.CharField(max_length=64, required=False, default="UTC", validators=[validate_timezone])
    country = serializers.CharField(
        max_length=2, required=False, allow_blank=True, default="", validators=[validate_country]
    )
    subdivision = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")


class LoginInput(serializers.Serializer):
    """JSON login. `username` is accepted too, for OAuth2 password-grant clients."""

    email = serializers.CharField(max_length=254, required=False)
    username = serializers.CharField(max_length=254, required=False, help_text="Same as email.")
    password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})

    def validate(self, attrs):
        email = attrs.get("email") or attrs.get("username")
        if not email:
            raise serializers.ValidationError({"email": ["This field is required."]})
        return {"email": email, "password": attrs["password"]}


class OAuth2PasswordForm(serializers.Serializer):
    """The OAuth2 password grant (form-encoded), as Swagger UI's Authorize button sends it."""

    grant_type = serializers.ChoiceField(choices=["password"], required=False)
    username = serializers.CharField(max_length=254, help_text="The account's email.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    scope = serializers.CharField(required=False, allow_blank=True)


class RefreshInput(serializers.Serializer):
    refresh_token = serializers.CharField(
        required=False, help_text="Omit when the refresh_token cookie is sent instead."
    )
    refresh = serializers.CharField(required=False, help_text="Alias of refresh_token.")


class UserOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    manager = serializers.UUIDField(source="manager.uuid", read_only=True, allow_null=True, default=None)
    date_joined = AwareDateTimeField(read_only=True)
    # A plain string: the model's EmailField would publish `format: email`, which "" breaks.
    pending_email = serializers.CharField(
        read_only=True, help_text="The new address waiting for its verification link; empty without one."
    )
    avatar_url = serializers.SerializerMethodField(
        help_text="Presigned URL of the profile picture, valid for MEDIA_URL_EXPIRE_SECONDS; null without one."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "email_verified",
            "pending_email",
            "display_name",
            "role",
            "timezone",
            "country",
            "subdivision",
            "manager",
            "is_active",
            "date_joined",
            "avatar_url",
        ]
        read_only_fields = fields

    def get_avatar_url(self, user: User) -> str | None:
        return avatar_url(user)


def avatar_url(user: User) -> str | None:
    """The presigned URL of `user`'s profile picture, or None. Signing needs no query or network
    call; lists select_related("avatar")."""
    return image_url(image=user.avatar).url if user.avatar_id else None


def user_output(user: User) -> dict:
    """What UserOutput(user).data holds, written out for `/auth/me`, which every client calls on
    every start and which is otherwise little more than this serialization (a test holds the two
    to the same bytes). Datetimes stay datetimes: the API's renderer writes them as UserOutput's
    field does (UTC, `Z`)."""
    return {
        "id": user.uuid,
        "email": user.email,
        "email_verified": user.email_verified,
        "pending_email": user.pending_email,
        "display_name": user.display_name,
        "role": user.role,
        "timezone": user.timezone,
        "country": user.country,
        "subdivision": user.subdivision,
        "manager": user.manager.uuid if user.manager_id else None,
        "is_active": user.is_active,
        "date_joined": user.date_joined.astimezone(UTC),
        "avatar_url": avatar_url(user),
    }


class TokenOutput(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="bearer")
    expires_in = serializers.IntegerField(help_text="Access token lifetime in seconds.")
    refresh_expires_in = serializers.IntegerField(help_text="Refresh token lifetime in seconds.")
    csrf_token = serializers.CharField(
        help_text="Also set as the readable csrf_token cookie; send it as X-CSRF-Token on cookie-authenticated writes."
    )
    user = UserOutput()


class MfaChallengeOutput(serializers.Serializer):
    """A correct password for an account that needs a second factor: no tokens yet."""

    mfa_required = serializers.BooleanField(help_text="Always true: no tokens were issued.")
    challenge = serializers.CharField(help_text="Send it back with the code, within expires_in seconds.")
    step = serializers.ChoiceField(
        choices=["verify", "enrol"],
        help_text="`verify`: send a code to auth/mfa/verify/. `enrol`: the account must set up an authenticator "
        "first (auth/mfa/totp/ then auth/mfa/totp/confirm/, each with the challenge).",
    )
    methods = serializers.ListField(child=serializers.CharField(), help_text="What the code may be.")
    expires_in = serializers.IntegerField(help_text="Seconds the challenge stays valid.")


class MfaVerifyInput(serializers.Serializer):
    challenge = serializers.CharField(max_length=1000)
    code = serializers.CharField(
        max_length=40, help_text="The authenticator's current six digits, or one of the recovery codes."
    )


class MfaTotpStartInput(serializers.Serializer):
    challenge = serializers.CharField(
        max_length=1000,
        required=False,
        help_text="Only for an account signing in with an `enrol` challenge; otherwise be signed in.",
    )


class MfaTotpSetupOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32 secret, for typing into an authenticator app.")
    otpauth_uri = serializers.CharField(help_text="The same as an otpauth:// URI; show it as a QR code.")


class MfaTotpConfirmInput(serializers.Serializer):
    code = serializers.CharField(max_length=10, help_text="The authenticator's current six digits.")
    challenge = serializers.CharField(
        max_length=1000, required=False, help_text="Only when the set-up was started with an `enrol` challenge."
    )


class MfaTotpConfirmOutput(serializers.Serializer):
    recovery_codes = serializers.ListField(
        child=serializers.CharField(), help_text="Ten one-time codes, shown this once; each can replace a code."
    )
    tokens = TokenOutput(
        required=False, allow_null=True, help_text="Present when the set-up completed an `enrol` sign-in."
    )


class MfaCodeInput(serializers.Serializer):
    code = serializers.CharField(max_length=40, help_text="The authenticator's current code or a recovery code.")


class MfaStatusOutput(serializers.Serializer):
    enabled = serializers.BooleanField()
    required = serializers.BooleanField(help_text="The account's role requires it (REQUIRE_2FA_FOR_STAFF).")
    confirmed_at = AwareDateTimeField(allow_null=True)
    recovery_codes_left = serializers.IntegerField()


class PasswordResetInput(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInput(serializers.Serializer):
    token = serializers.CharField(max_length=1000)
    new_password = serializers.CharField(max_length=128, trim_whitespace=False, style={"input_type": "password"})


class VerifyEmailInput(serializers.Serializer):
    token = serializers.CharField(max_length=1000)


class VerifyEmailOutput(serializers.Serializer):
    email = serializers.EmailField()
    email_verified = serializers.BooleanField()


class DetailOutput(serializers.Serializer):
    detail = serializers.CharField()


class VerificationSentOutput(serializers.Serializer):
    email = serializers.EmailField(help_text="Where the link was sent.")


class MeUpdateInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    timezone = serializers.CharField(max_length=64, required=False, validators=[validate_timezone])
    country = serializers.CharField(max_length=2, required=False, allow_blank=True, validators=[validate_country])
    subdivision = serializers.CharField(max_length=10, required=False, allow_blank=True)
    email = serializers.EmailField(
        max_length=254,
        required=False,
        help_text="A new address becomes pending_email and takes effect once the link e-mailed to it is used; "
        "the current address withdraws a pending change.",
    )
    new_password = serializers.CharField(max_length=128, required=False, trim_whitespace=False)
    password = serializers.CharField(
        max_length=128, required=False, trim_whitespace=False, help_text="Alias of new_password."
    )
    current_password = serializers.CharField(max_length=128, required=False, trim_whitespace=False)

    def validate(self, attrs):
        alias = attrs.pop("password", None)
        if alias and not attrs.get("new_password"):
            attrs["new_password"] = alias
        return attrs


class MeUpdateOutput(serializers.Serializer):
    user = UserOutput()
    tokens = TokenOutput(
        required=False, allow_null=True, help_text="Present after a password change: every other session ended."
    )


class UserAdminUpdateInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    manager = serializers.UUIDField(required=False, allow_null=True, help_text="Public id of a STAFF or ADMIN user.")
    is_active = serializers.BooleanField(required=False)
    display_name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class NotificationPreferences(serializers.Serializer):
    email = serializers.BooleanField(required=False, help_text="Also e-mail each notification.")
    muted_kinds = serializers.ListField(
        child=serializers.RegexField(r"^[a-z][a-z0-9_.]{0,63}$"),
        required=False,
        max_length=50,
        help_text="Notification kinds that are not delivered at all.",
    )


class UserSettingsInput(serializers.Serializer):
    theme = serializers.ChoiceField(choices=Theme.choices)
    week_start = serializers.ChoiceField(choices=WeekStart.choices)
    time_format = serializers.ChoiceField(choices=TimeFormat.choices)
    default_project = serializers.UUIDField(allow_null=True)
    notification_preferences = NotificationPreferences()


class UserSettingsOutput(serializers.ModelSerializer):
    notification_preferences = NotificationPreferences()
    updated_at = AwareDateTimeField()

    class Meta:
        model = UserSettings
        fields = ["theme", "week_start", "time_format", "default_project", "notification_preferences", "updated_at"]
        read_only_fields = fields


class NotificationOutput(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid")
    created_at = AwareDateTimeField()
    read_at = AwareDateTimeField(allow_null=True)
    is_read = serializers.BooleanField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "payload", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class CountOutput(serializers.Serializer):
    updated = serializers.IntegerField()


class AvatarUploadInput(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=True,  # media refuses it with its own `empty_file` error
        help_text="A PNG, JPEG or WebP image; the format is read from the content, not the name.",
    )

    def validate(self, attrs):
        data = self.initial_data
        if isinstance(data, QueryDict):
            names = [name for name, values in data.lists() for value in values if hasattr(value, "read")]
            if names != ["file"]:
                raise serializers.ValidationError({"file": ["Send exactly one file, in the field `file`."]})
        return attrs


class AvatarUploadUrlInput(serializers.Serializer):
    content_type = serializers.ChoiceField(
        choices=CONTENT_TYPES, help_text="The Content-Type the PUT will send (signed into the URL)."
    )
    byte_size = serializers.IntegerField(
        min_value=1, help_text="The exact size of the file in bytes; the URL accepts no other Content-Length."
    )


# Built from a media.services.UploadTicket.
class AvatarUploadUrlOutput(serializers.Serializer):
    upload_url = serializers.CharField(source="upload.url", help_text="Presigned URL: PUT the file's bytes here.")
    method = serializers.CharField(source="upload.method")
    headers = serializers.DictField(
        source="upload.headers", child=serializers.CharField(), help_text="Send exactly these headers with the PUT."
    )
    key = serializers.CharField(source="image.key", help_text="Send to profiles/avatar/confirm after the upload.")
    expires_at = AwareDateTimeField(source="upload.expires_at")


class AvatarConfirmInput(serializers.Serializer):
    key = serializers.CharField(max_length=512, help_text="The key from profiles/avatar/upload-url.")

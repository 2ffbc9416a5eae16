"""Demo accounts for `manage.py seed_demo` (development only)."""

from accounts.models import Role, User, UserSettings
from accounts.services.notifications import notification_send

DEMO_PASSWORD = "timekeep-demo"

ACCOUNTS = [
    ("admin@example.com", "Ada Admin", Role.ADMIN, None),
    ("staff@example.com", "Sam Staff", Role.STAFF, None),
    ("alice@example.com", "Alice Example", Role.USER, "staff@example.com"),
    ("bob@example.com", "Bob Example", Role.USER, "staff@example.com"),
]


def seed(stdout) -> None:
    created_any = False
    for email, name, role, manager_email in ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            manager = User.objects.get(email=manager_email) if manager_email else None
            user = User.objects.create_user(
                email,
                DEMO_PASSWORD,
                role=role,
                display_name=name,
                manager=manager,
                country="DE",
                subdivision="BE",
                email_verified=True,  # demo addresses receive nothing; treat them as verified
            )
            UserSettings.objects.get_or_create(user=user)
            notification_send(user=user, kind="demo.welcome", message=f"Welcome to Timekeep, {name}!")
            created_any = True
    stdout.write(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, _, role, _ in ACCOUNTS:
        stdout.write(f"  {role:<5} {email}")
    if not created_any:
        stdout.write("  (already present; nothing changed)")

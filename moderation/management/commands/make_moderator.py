from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from moderation.services import make_moderator


class Command(BaseCommand):
    help = "Make an existing person a moderator (staff, in the Moderators group)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The email address the person signs in with.")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            raise CommandError(
                f"Nobody has signed up with {email}. Ask them to join first."
            ) from None
        make_moderator(user=user)
        self.stdout.write(self.style.SUCCESS(f"{user.display_name} is now a moderator."))

"""Moderation gets its own app: Report and ModerationAction (from requests), Block
(from accounts) and CrisisPhrase (from board) move here.

Only Django's idea of where the models live changes: each keeps its table
(`db_table`), so the database is untouched (state operations only), and the old
apps drop the models from their state in their own `*_moder_move_out`
migrations. The content types are renamed to this app, so the permissions and
admin history already granted or recorded for these models carry over
(moderators keep "view report", "change crisis phrase" and the rest).
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import board.fields

# (old app label, model): the models this migration moves here.
MOVED = [
    ("requests", "report"),
    ("requests", "moderationaction"),
    ("accounts", "block"),
    ("board", "crisisphrase"),
]


def _relabel(apps, *, to_moderation: bool) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for old_label, model in MOVED:
        source, target = (old_label, "moderation") if to_moderation else ("moderation", old_label)
        if not content_type.objects.filter(app_label=source, model=model).exists():
            continue  # a fresh database: post_migrate makes the content types later
        # A row for the new label made meanwhile holds only unused, generated
        # permissions; the old row's are the ones groups use, so the old row stays.
        content_type.objects.filter(app_label=target, model=model).delete()
        content_type.objects.filter(app_label=source, model=model).update(app_label=target)
    content_type.objects.clear_cache()


def move_content_types(apps, schema_editor):
    _relabel(apps, to_moderation=True)


def move_content_types_back(apps, schema_editor):
    _relabel(apps, to_moderation=False)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("accounts", "0008_plain_text_fields"),
        ("board", "0009_notification_withheld"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("requests", "0013_full_text_search"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The tables exist (requests_report, requests_moderationaction,
            # accounts_block, board_crisisphrase): nothing to do in the database.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CrisisPhrase",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "phrase",
                            models.CharField(max_length=100, unique=True, verbose_name="phrase"),
                        ),
                        ("is_active", models.BooleanField(default=True, verbose_name="in use")),
                    ],
                    options={
                        "verbose_name": "crisis phrase",
                        "verbose_name_plural": "crisis phrases",
                        "db_table": "board_crisisphrase",
                        "ordering": ["phrase"],
                    },
                ),
                migrations.CreateModel(
                    name="Report",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    ("harmful", "It's harmful, abusive or threatening"),
                                    ("unsafe", "Someone may be in danger"),
                                    ("spam", "Spam or advertising"),
                                    ("inappropriate", "Inappropriate or not kind"),
                                    ("privacy", "It shares someone's private information"),
                                    ("other", "Something else"),
                                ],
                                max_length=20,
                                verbose_name="reason",
                            ),
                        ),
                        (
                            "details",
                            board.fields.PlainTextField(
                                blank=True,
                                max_length=2000,
                                verbose_name="anything else moderators should know",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("open", "Waiting for a moderator"),
                                    ("actioned", "Action taken"),
                                    ("dismissed", "No action needed"),
                                ],
                                db_index=True,
                                default="open",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "outcome",
                            board.fields.PlainCharField(
                                blank=True, max_length=300, verbose_name="outcome"
                            ),
                        ),
                        (
                            "handled_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="handled"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="reported"
                            ),
                        ),
                        (
                            "handled_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="reports_handled",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "help_request",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports",
                                to="requests.helprequest",
                            ),
                        ),
                        (
                            "message",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports",
                                to="requests.message",
                            ),
                        ),
                        (
                            "offer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports",
                                to="requests.offer",
                            ),
                        ),
                        (
                            "reporter",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="reports_made",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "report",
                        "verbose_name_plural": "reports",
                        "db_table": "requests_report",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ModerationAction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("hide", "Hid content"),
                                    ("unhide", "Showed content again"),
                                    ("dismiss", "Dismissed a report"),
                                    ("warn", "Warned a person"),
                                    ("suspend", "Suspended a person"),
                                    ("approve_offer", "Approved a held offer"),
                                    ("reject_offer", "Rejected a held offer"),
                                    ("reveal_author", "Looked at who wrote an anonymous request"),
                                    ("publish_story", "Published a story"),
                                    ("propose_story_edit", "Suggested a change to a story"),
                                    ("decline_story", "Declined a story"),
                                    ("take_down_story", "Took a published story down"),
                                ],
                                max_length=20,
                                verbose_name="action",
                            ),
                        ),
                        (
                            "story_ref",
                            models.CharField(blank=True, max_length=16, verbose_name="story"),
                        ),
                        (
                            "reason",
                            board.fields.PlainTextField(
                                blank=True, max_length=2000, verbose_name="reason"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                default=django.utils.timezone.now, verbose_name="when"
                            ),
                        ),
                        (
                            "help_request",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="requests.helprequest",
                            ),
                        ),
                        (
                            "message",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="requests.message",
                            ),
                        ),
                        (
                            "moderator",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="moderation_actions",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "offer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="requests.offer",
                            ),
                        ),
                        (
                            "subject",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="moderation_subject_of",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "report",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="actions",
                                to="moderation.report",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "moderation action",
                        "verbose_name_plural": "moderation log",
                        "db_table": "requests_moderationaction",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="Block",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "label",
                            board.fields.PlainCharField(max_length=60, verbose_name="shown as"),
                        ),
                        (
                            "hides_content",
                            models.BooleanField(default=True, verbose_name="hides their content"),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "blocked",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="blocked_by",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "blocker",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="blocks_made",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "offer",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="requests.offer",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "block",
                        "verbose_name_plural": "blocks",
                        "db_table": "accounts_block",
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("blocker", "blocked"), name="block_once"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("blocker", models.F("blocked")), _negated=True),
                                name="block_not_self",
                            ),
                        ],
                    },
                ),
                migrations.AddConstraint(
                    model_name="report",
                    constraint=models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("help_request__isnull", False),
                                ("message__isnull", True),
                                ("offer__isnull", True),
                            ),
                            models.Q(
                                ("help_request__isnull", True),
                                ("message__isnull", True),
                                ("offer__isnull", False),
                            ),
                            models.Q(
                                ("help_request__isnull", True),
                                ("message__isnull", False),
                                ("offer__isnull", True),
                            ),
                            _connector="OR",
                        ),
                        name="report_has_one_target",
                    ),
                ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]

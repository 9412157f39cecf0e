"""Each kind of notification is declared once (notifications/kinds.py) and
worded once (its template): the two agree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError

from notifications.emails import COPY_BLOCKS, render_copy
from notifications.kinds import REGISTRY
from notifications.models import Notification
from tests.factories import NotificationFactory

EMAILED = [key for key, spec in REGISTRY.items() if spec.has_template]


def _template_source(kind: str) -> str:
    return (Path(settings.BASE_DIR) / "templates" / REGISTRY[kind].template).read_text()


@pytest.mark.parametrize("kind", EMAILED)
def test_every_kind_and_variant_has_a_subject_a_lead_and_an_action(kind):
    for variant in ["", *REGISTRY[kind].variants]:
        copy = render_copy(kind, variant)
        assert set(copy) == set(COPY_BLOCKS)
        assert copy["subject"] and copy["lead"] and copy["action"], (kind, variant)
        assert "\n" not in copy["subject"]


@pytest.mark.parametrize("kind", EMAILED)
def test_a_template_words_only_the_variants_its_kind_declares(kind):
    worded = set(re.findall(r'variant == "(\w+)"', _template_source(kind)))
    assert worded <= set(REGISTRY[kind].variants), worded - set(REGISTRY[kind].variants)


def test_every_template_is_a_declared_kind():
    folder = Path(settings.BASE_DIR) / "templates/notifications/emails"
    layouts = {"base.html", "layout.html", "layout.txt"}
    kinds = {path.stem for path in folder.glob("*.txt") if path.name not in layouts}
    assert kinds == set(EMAILED)


@pytest.mark.django_db
def test_a_row_of_an_undeclared_kind_does_not_validate():
    row = NotificationFactory.build(kind="carrier_pigeon", recipient=None)
    with pytest.raises(ValidationError) as refused:
        row.full_clean()
    assert "kind" in refused.value.message_dict
    NotificationFactory.build(kind=Notification.Kind.THANKED, recipient=None).full_clean()

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CrisisResource(models.Model):
    """A service shown on the crisis help page; staff keep the list."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    url = models.URLField(_("website"), blank=True)
    # Blank means everywhere / every language.
    region = models.CharField(
        _("region"), max_length=60, blank=True, help_text=_("e.g. UK, Germany; blank for all")
    )
    language = models.CharField(
        _("language"), max_length=10, blank=True, help_text=_("e.g. en, de; blank for all")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)

    class Meta:
        verbose_name = _("crisis resource")
        verbose_name_plural = _("crisis resources")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

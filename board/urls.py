from django.contrib import admin
from django.urls import URLPattern, include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView

from board import ops_views, views
from moderation import urls as moderation_urls

admin.site.site_header = _("Peer Support Board administration")
admin.site.site_title = _("Peer Support Board")

# Models with an admin page that moved to the notifications and moderation apps keep
# their tables, and staff bookmarks to their old admin pages land on the new ones.
MOVED_IN_ADMIN = {
    ("board", "notification"): "notifications",
    ("requests", "report"): "moderation",
    ("requests", "moderationaction"): "moderation",
    ("board", "crisisphrase"): "moderation",
}


def _moved_admin_pages() -> list[URLPattern]:
    patterns = []
    for (old_app, model), new_app in MOVED_IN_ADMIN.items():
        new = f"/admin/{new_app}/{model}/"
        patterns += [
            path(
                f"admin/{old_app}/{model}/",
                RedirectView.as_view(url=new, permanent=True, query_string=True),
                name=f"moved_admin_{old_app}_{model}",
            ),
            path(
                f"admin/{old_app}/{model}/<path:rest>",
                RedirectView.as_view(url=f"{new}%(rest)s", permanent=True, query_string=True),
                name=f"moved_admin_{old_app}_{model}_page",
            ),
        ]
    return patterns


urlpatterns = [
    path("", include("requests.urls")),
    path("", include("stories.urls")),
    path("how-it-works/", views.how_it_works, name="how_it_works"),
    path("crisis-help/", views.crisis, name="crisis"),
    path("privacy/", views.privacy, name="privacy"),
    # The audited break-glass look at who wrote an anonymous request (staff only).
    path("moderation/who/", include(moderation_urls.breakglass_patterns)),
    path("dev/mail/", views.local_mail, name="local_mail"),
    # The notifications page and unsubscribe links (notifications/urls.py).
    path("", include("notifications.urls")),
    path("moderation/", include("moderation.urls")),
    path("settings/", include("accounts.urls")),
    path("api/", include("board.api_urls")),
    path("accounts/", include("allauth.urls")),
    *_moved_admin_pages(),
    path("admin/", admin.site.urls),
    # Probes (no trailing slash, as load balancers and systemd checks expect) and
    # the outbox's state for staff.
    path("healthz", ops_views.healthz, name="healthz"),
    path("readyz", ops_views.readyz, name="readyz"),
    path("staff/outbox/", ops_views.outbox_status, name="outbox_status"),
]

handler400 = "board.views.bad_request"
handler403 = "board.views.permission_denied"
handler404 = "board.views.page_not_found"
handler500 = "board.views.server_error"

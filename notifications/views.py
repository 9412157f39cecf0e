"""The notifications page, and the one-click unsubscribe page of every email."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from board.http import AuthenticatedHttpRequest
from notifications import selectors, services
from notifications.kinds import label_for


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.inbox(request.user), 30).get_page(request.GET.get("page"))
    items = [
        {"row": row, "summary": selectors.summary(row), "about": selectors.about(row)}
        for row in page.object_list
    ]
    return render(request, "notifications/inbox.html", {"page": page, "items": items})


@require_POST
@login_required
def notification_open(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Mark one notification read and go where it points."""
    notification = services.mark_read(user=request.user, notification_id=pk)
    if notification is None:
        raise Http404
    if request.POST.get("next") == "list":
        return redirect("notifications")
    return redirect(notification.url or "notifications")


@require_POST
@login_required
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.mark_all_read(user=request.user)
    messages.success(request, _("All caught up."))
    return redirect("notifications")


@csrf_exempt  # RFC 8058: mail clients POST here without a session or CSRF token.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe from an email link; works signed out. GET asks
    (so link scanners change nothing), POST unsubscribes."""
    try:
        user, kind = services.read_unsubscribe_token(token)
    except signing.BadSignature:
        return render(request, "notifications/unsubscribe.html", {"problem": "invalid"}, status=400)
    label = label_for(kind)
    if request.method == "POST":
        services.unsubscribe(user=user, kind=kind)
        return render(request, "notifications/unsubscribe.html", {"done": True, "label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label, "token": token})

"""Pages for reports, blocks, the moderators' queue and log, and the break-glass
look. Thin: each view parses input, calls one service of moderation.services (or
an action of moderation.actions), and renders; the rules, and every name shown,
live there."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from board.drafts import member_action
from board.errors import ServiceError, refused
from board.http import AuthenticatedHttpRequest, member
from moderation import rules, selectors, services
from moderation.actions import ACTIONS, Act, Action, Place, offered_on
from moderation.forms import ActionForm, ReportForm, RevealAuthorForm
from moderation.models import ModerationAction, Report
from moderation.targets import ReportedOffer, ReportedRequest, Target, report_target, target_of_row
from requests import selectors as request_selectors
from requests.models import HelpRequest

# --- Who may moderate -------------------------------------------------------------------


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Moderators only: a visitor is asked to sign in, anyone else finds nothing."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not rules.can_moderate(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# --- Reporting --------------------------------------------------------------------------


def _back(target: Target) -> str:
    if isinstance(target, ReportedRequest):
        return target.obj.get_absolute_url()
    offer = target.obj if isinstance(target, ReportedOffer) else target.obj.offer
    return offer.get_absolute_url()


@login_required
def report(request: AuthenticatedHttpRequest, kind: str, ref: str) -> HttpResponse:
    target = selectors.target_for(request.user, kind, ref)
    try:
        rules.check_can_report(request.user, target)
    except ServiceError as error:
        messages.info(request, str(error))
        return redirect(_back(target))
    form = ReportForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "target": target, "back": _back(target)}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "moderation/report_form.html", context, status=status)
    try:
        _report, created = services.report_content(
            reporter=request.user, target=target, **form.cleaned_data
        )
    except ServiceError as error:
        # Refused (posting too fast, say): the form comes back with the reason and
        # all that was typed; a 400, or a 429 with Retry-After for the limit.
        form.add_error(error.field if error.field in form.fields else None, str(error))
        response = render(request, "moderation/report_form.html", context, status=400)
        return refused(response, error, only_limits=True)
    if created:
        messages.success(
            request,
            _(
                "Thank you for telling us. A moderator will look at it soon, and we'll let you "
                "know what happened. The person isn't told who reported it."
            ),
        )
    else:
        messages.info(
            request,
            _("Thank you: you've already told us about this, and a moderator will look at it."),
        )
    return redirect(_back(target))


@login_required
def my_reports(request: AuthenticatedHttpRequest) -> HttpResponse:
    reports = selectors.reports_of(request.user).order_by("-created_at", "-pk")
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    items = [(r, report_target(r)) for r in page.object_list]
    return render(request, "moderation/my_reports.html", {"page": page, "items": items})


@login_required
def note(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A moderator's note to the person it is about, and to nobody else."""
    action = (
        selectors.notes_for(request.user)
        .select_related("help_request", "offer__request", "message__offer__request")
        .filter(pk=pk)
        .first()
    )
    if action is None:
        raise Http404
    return render(request, "moderation/note.html", {"action": action})


# --- Blocks -----------------------------------------------------------------------------


def _offer_page(public_id: str) -> str:
    return reverse("requests:offer", args=[public_id])


@member_action(_offer_page)
def block(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """Block the other person of a conversation, by what this person saw them called."""
    offer = request_selectors.get_offer_for(request.user, public_id)
    made = services.block_other_side(blocker=request.user, offer=offer)
    messages.success(
        request,
        _(
            "You blocked %(name)s. They can't offer on your requests or write to you any more, "
            "and they aren't told. You can unblock them in your settings."
        )
        % {"name": made.label},
    )
    return redirect(offer)


@require_POST
@login_required
def unblock(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    if services.unblock_person(blocker=request.user, block_id=pk):
        messages.success(request, _("Unblocked."))
    return redirect("accounts:settings")


# --- The queue and the log --------------------------------------------------------------


@dataclass
class QueueItem:
    target: Target
    report: Report | None = None
    allowed: tuple[Action, ...] = ()
    # The form a moderator sent from this card, when it was refused.
    failed: ActionForm | None = None

    @property
    def reporter_name(self) -> str:
        return rules.name_in_context(
            self.report.reporter if self.report else None, self.target.request
        )

    @property
    def key(self) -> str:
        """Which card a failed form belongs to."""
        if self.report is not None:
            return f"report-{self.report.pk}"
        return f"{self.target.kind}-{self.target.ref}"

    @property
    def url(self) -> str:
        if self.report is not None:
            return reverse("moderation:report_action", args=[self.report.pk])
        return reverse("moderation:content_action", args=[self.target.kind, self.target.ref])

    @property
    def actions(self) -> list[tuple[str, str]]:
        person = self.target.author_name
        return [(action.name, action.button(person)) for action in self.allowed]

    @property
    def acts_on_person(self) -> bool:
        return any(action.acts_on_person for action in self.allowed)


def _queue(
    request: AuthenticatedHttpRequest,
    *,
    form: ActionForm | None = None,
    failed_key: str = "",
    status: int = 200,
) -> HttpResponse:
    limit = selectors.QUEUE_LIMIT
    context: dict[str, Any] = {
        "reports": [
            QueueItem(report_target(r), r, offered_on("report"))
            for r in selectors.open_reports()[:limit]
        ],
        "flagged": [
            QueueItem(ReportedRequest(r), allowed=offered_on("flagged"))
            for r in selectors.flagged_requests()[:limit]
        ],
        "held": [
            QueueItem(ReportedOffer(o), allowed=offered_on("held"))
            for o in selectors.held_offers()[:limit]
        ],
        "failed_form": form,
        "limit": limit,
    }
    # A refused action comes back on its own card with everything the moderator
    # wrote or ticked, and no other choice made for them.
    placed = False
    for item in [*context["reports"], *context["flagged"], *context["held"]]:
        if form is not None and item.key == failed_key:
            item.failed, placed = form, True
    # A form from elsewhere (the log's "Show again"): its errors go at the top.
    context["unplaced_form"] = form if form is not None and not placed else None
    return render(request, "moderation/queue.html", context, status=status)


@moderator_required
def queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _queue(request)


def _act(
    request: AuthenticatedHttpRequest, *, target: Target, report: Report | None, place: Place
) -> HttpResponse:
    """Run the action a moderator chose on a card, if it is offered there."""
    failed_key = f"report-{report.pk}" if report is not None else f"{target.kind}-{target.ref}"
    form = ActionForm(request.POST, allowed=offered_on(place))
    if not form.is_valid():
        return _queue(request, form=form, failed_key=failed_key, status=400)
    action = ACTIONS[form.cleaned_data["action"]]
    act = Act(
        moderator=request.user,
        target=target,
        note=form.cleaned_data["note"],
        report=report,
        also_hide=form.cleaned_data["also_hide"],
    )
    try:
        action.run(act)
    except ServiceError as error:
        if error.field in form.fields:
            # Something the moderator can fix on the card (a missing note): it comes
            # back there, with what they wrote.
            form.add_error(error.field, str(error))
            return _queue(request, form=form, failed_key=failed_key, status=400)
        messages.error(request, str(error))
    else:
        messages.success(request, action.confirmation(target))
    return redirect("moderation:queue")


@require_POST
@moderator_required
def report_action(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    report = Report.objects.filter(pk=pk).select_related("reporter").first()
    if report is None:
        raise Http404
    return _act(request, target=report_target(report), report=report, place="report")


@require_POST
@moderator_required
def content_action(request: AuthenticatedHttpRequest, kind: str, ref: str) -> HttpResponse:
    target = selectors.any_content(kind, ref)
    return _act(request, target=target, report=None, place=target.kind)


@dataclass
class LogItem:
    action: ModerationAction

    @property
    def target(self) -> Target | None:
        return target_of_row(self.action)

    @property
    def subject_name(self) -> str:
        """The person warned or suspended, named as their content names them (the
        asker of an anonymous request by its alias). When that can't be checked (the
        content is gone, or someone else wrote it), an anonymous request's subject
        stays unnamed."""
        if self.action.subject_id is None:
            return ""
        target = self.target
        if target is None:
            return _("(content deleted)")
        if self.action.subject_id == target.author_id:
            return target.author_name
        if target.request.is_anonymous:
            return _("(not shown)")
        return self.action.subject.display_name if self.action.subject else ""


@moderator_required
def log(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(selectors.log(), 50).get_page(request.GET.get("page"))
    items = [LogItem(a) for a in page.object_list]
    return render(request, "moderation/log.html", {"page": page, "items": items})


# --- Break-glass: who wrote an anonymous request -------------------------------------------
#
# A GET shows the request and asks why; it never names the author unless this
# moderator has just looked. A POST with a written reason records the look (who,
# why, which request), tells the asker that a moderator looked, and redirects to
# the GET, which answers with the author's name and email for a short while
# (services.REVEAL_LOOK_WINDOW): a reload is the same look, not a second one.
# Nothing is cached (board.middleware.PrivateCacheMiddleware).


def _check_may_reveal(request: HttpRequest) -> None:
    # Members and visitors learn nothing, not even that the page exists.
    if not (request.user.is_authenticated and request.user.is_active and request.user.is_staff):
        raise Http404
    if not services.may_reveal(member(request)):
        raise PermissionDenied


def who_wrote(request: HttpRequest, public_id: str) -> HttpResponse:
    """POST records the look and redirects; GET shows the answer while the look
    is recent (so a reload neither records a second look nor emails the asker
    again), and otherwise asks why."""
    _check_may_reveal(request)
    moderator = member(request)
    help_request = get_object_or_404(
        HelpRequest.objects.select_related("category", "author"),
        public_id=public_id,
        is_anonymous=True,
    )
    form = RevealAuthorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reveal_author(
                help_request=help_request,
                moderator=moderator,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            return redirect(request.path)
    look = None
    if request.method != "POST":
        look = services.recent_look(help_request=help_request, moderator=moderator)
    context = {
        "help_request": help_request,
        "form": form,
        "look": look,
        "author": help_request.author if look else None,
    }
    response = render(request, "moderation/breakglass.html", context)
    response["Referrer-Policy"] = "no-referrer"
    return response

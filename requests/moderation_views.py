"""Pages for reports, blocks and the moderators' queue. Thin: each view parses
input, calls one service of requests.moderation (or accounts.services), and
renders; the rules, and every name shown, live there."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts import services as account_services
from board import ratelimit
from board.converters import as_key
from board.drafts import member_action
from requests import moderation, selectors
from requests.models import HelpRequest, Message, ModerationAction, Offer, Report
from requests.moderation import Target, name_in_context
from requests.services import ServiceError

NOTE_MAX = 2000


# --- Forms ----------------------------------------------------------------------------


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("What's wrong?"),
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose what is wrong.")},
    )
    details = forms.CharField(
        label=gettext_lazy("Anything else the moderators should know (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class ActionForm(forms.Form):
    """One moderator action; which ones a target allows is checked by the view."""

    ACTIONS = {
        "hide": gettext_lazy("Hide it"),
        "unhide": gettext_lazy("Show it again"),
        "dismiss": gettext_lazy("Dismiss the report"),
        "seen": gettext_lazy("Looked at, nothing to do"),
        "warn": gettext_lazy("Warn the person"),
        "suspend": gettext_lazy("Suspend the person"),
        "approve": gettext_lazy("Approve the offer"),
        "reject": gettext_lazy("Reject the offer"),
    }
    action = forms.ChoiceField(choices=list(ACTIONS.items()))
    note = forms.CharField(required=False, max_length=NOTE_MAX, widget=forms.Textarea)
    also_hide = forms.BooleanField(required=False)

    def __init__(self, *args, allowed: tuple[str, ...], person: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["action"].choices = [(a, self.ACTIONS[a]) for a in allowed]
        self.fields["action"].error_messages["required"] = _("Please choose what to do.")

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action in ("warn", "suspend") and not data.get("note", "").strip():
            message = (
                _("To warn %(name)s, please write a note: it is what they will read.")
                if action == "warn"
                else _("To suspend %(name)s, please write a note: it is what they will read.")
            )
            self.add_error("note", message % {"name": self.person})
        return data


# --- Who may moderate -------------------------------------------------------------------


def moderator_required(view):
    """Moderators only: a visitor is asked to sign in, anyone else finds nothing."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not moderation.can_moderate(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


# --- Reporting --------------------------------------------------------------------------


def _back(target: Target) -> str:
    if target.help_request:
        return target.help_request.get_absolute_url()
    offer = target.offer or target.message.offer
    return offer.get_absolute_url()


@login_required
def report(request: HttpRequest, kind: str, ref: str) -> HttpResponse:
    target = moderation.target_for(request.user, kind, ref)
    if target.author_id == request.user.pk:
        messages.info(request, _("This is something you wrote, so you can't report it."))
        return redirect(_back(target))
    form = ReportForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "target": target, "back": _back(target)}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return render(request, "moderation/report_form.html", context, status=status)
    if wait := ratelimit.consume(action="report", key=request.user.pk):
        form.add_error(None, ratelimit.limited_message(wait))
        response = render(request, "moderation/report_form.html", context)
        return ratelimit.with_retry_after(response, wait)
    try:
        _report, created = moderation.report_content(
            reporter=request.user, target=target, **form.cleaned_data
        )
    except ServiceError as error:
        form.add_error(None, str(error))
        return render(request, "moderation/report_form.html", context, status=400)
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
def my_reports(request: HttpRequest) -> HttpResponse:
    reports = moderation.reports_of(request.user).order_by("-created_at", "-pk")
    page = Paginator(reports, 20).get_page(request.GET.get("page"))
    items = [(r, Target.of(r)) for r in page.object_list]
    return render(request, "moderation/my_reports.html", {"page": page, "items": items})


@login_required
def note(request: HttpRequest, pk: int) -> HttpResponse:
    """A moderator's note to the person it is about, and to nobody else."""
    action = (
        moderation.notes_for(request.user)
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
def block(request: HttpRequest, public_id: str) -> HttpResponse:
    """Block the other person of a conversation, by what this person saw them called."""
    offer = selectors.get_offer_for(request.user, public_id)
    help_request = offer.request
    if help_request.author_id == request.user.pk:
        other, label, named = offer.helper, offer.helper.display_name, True
    else:
        other, label = help_request.author, help_request.public_author_name
        # An anonymous asker's other (named) content stays: hiding it would name them.
        named = not help_request.is_anonymous
    account_services.block_person(
        blocker=request.user, blocked=other, label=label, hides_content=named, offer=offer
    )
    messages.success(
        request,
        _(
            "You blocked %(name)s. They can't offer on your requests or write to you any more, "
            "and they aren't told. You can unblock them in your settings."
        )
        % {"name": label},
    )
    return redirect(offer)


@require_POST
@login_required
def unblock(request: HttpRequest, pk: int) -> HttpResponse:
    if account_services.unblock_person(blocker=request.user, block_id=pk):
        messages.success(request, _("Unblocked."))
    return redirect("accounts:settings")


# --- The queue and the log --------------------------------------------------------------


REPORT_ACTIONS = ("hide", "dismiss", "warn", "suspend")
FLAGGED_ACTIONS = ("seen", "hide", "warn", "suspend")
HELD_ACTIONS = ("approve", "reject")


def _button_label(action: str, person: str) -> str:
    """What a moderator's button says: what it will do, to whom."""
    if action == "warn":
        return _("Warn %(name)s") % {"name": person}
    if action == "suspend":
        return _("Suspend %(name)s") % {"name": person}
    return str(ActionForm.ACTIONS[action])


def _done_message(action: str, target: Target) -> str:
    """What the confirmation says was done."""
    person = target.author_name
    kind = {"request": _("request"), "offer": _("offer"), "message": _("message")}[target.kind]
    done = {
        "hide": _("The %(kind)s is hidden from everyone but its author."),
        "unhide": _("The %(kind)s is shown again."),
        "dismiss": _("The report is dismissed; the person who reported it has been told."),
        "seen": _("Marked as looked at."),
        "warn": _("%(name)s is warned and can read your note."),
        "suspend": _("%(name)s is suspended and can read your note."),
        # Said alike of every offer: whether the asker is told can depend on a block
        # of theirs, which the moderators' pages don't show (it would link them).
        "approve": _(
            "The offer is approved and its helper has been told; from now on it goes "
            "on as any offer on this request would."
        ),
        "reject": _("The offer isn't passed on; the helper has been told kindly."),
    }[action]
    return " ".join([done % {"kind": kind, "name": person}, _("It's in the moderation log.")])


@dataclass
class QueueItem:
    target: Target
    report: Report | None = None
    allowed: tuple[str, ...] = ()
    # The form a moderator sent from this card, when it was refused.
    failed: ActionForm | None = None

    @property
    def reporter_name(self) -> str:
        return name_in_context(self.report.reporter, self.target.request)

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
        return [(action, _button_label(action, person)) for action in self.allowed]

    @property
    def acts_on_person(self) -> bool:
        return "warn" in self.allowed


def _queue(
    request: HttpRequest,
    *,
    form: ActionForm | None = None,
    failed_key: str = "",
    status: int = 200,
):
    limit = moderation.QUEUE_LIMIT
    reports = list(moderation.open_reports()[:limit])
    context = {
        "reports": [QueueItem(Target.of(r), r, REPORT_ACTIONS) for r in reports],
        "flagged": [
            QueueItem(Target(help_request=r), allowed=FLAGGED_ACTIONS)
            for r in moderation.flagged_requests()[:limit]
        ],
        "held": [
            QueueItem(Target(offer=o), allowed=HELD_ACTIONS)
            for o in moderation.held_offers()[:limit]
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
def queue(request: HttpRequest) -> HttpResponse:
    return _queue(request)


def _run(
    request: HttpRequest, form: ActionForm, target: Target, failed_key: str, do
) -> HttpResponse:
    if not form.is_valid():
        return _queue(request, form=form, failed_key=failed_key, status=400)
    try:
        do(form.cleaned_data)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _done_message(form.cleaned_data["action"], target))
    return redirect("moderation:queue")


def _person_or_content(moderator, target: Target, data: dict, report: Report | None):
    action, note = data["action"], data["note"]
    common = {"moderator": moderator, "target": target, "note": note}
    if action == "hide":
        return moderation.hide_content(**common, report=report)
    if action == "unhide":
        return moderation.unhide_content(**common)
    if action == "warn":
        return moderation.warn_person(**common, report=report, hide=data["also_hide"])
    if action == "suspend":
        return moderation.suspend_person(**common, report=report, hide=data["also_hide"])
    if action == "dismiss":
        return moderation.dismiss_report(moderator=moderator, report=report, note=note)
    if action == "seen":
        return moderation.mark_seen(
            moderator=moderator, help_request=target.help_request, note=note
        )
    if action == "approve":
        return moderation.approve_offer(moderator=moderator, offer=target.offer, note=note)
    return moderation.reject_offer(moderator=moderator, offer=target.offer, note=note)


@require_POST
@moderator_required
def report_action(request: HttpRequest, pk: int) -> HttpResponse:
    report = Report.objects.filter(pk=pk).select_related("reporter").first()
    if report is None:
        raise Http404
    target = Target.of(report)
    form = ActionForm(request.POST, allowed=REPORT_ACTIONS, person=target.author_name)
    return _run(
        request,
        form,
        target,
        f"report-{report.pk}",
        lambda data: _person_or_content(request.user, target, data, report),
    )


CONTENT_ACTIONS = {
    "request": ("hide", "unhide", "seen", "warn", "suspend"),
    "offer": ("hide", "unhide", "approve", "reject", "warn", "suspend"),
    "message": ("hide", "unhide", "warn", "suspend"),
}


def _content(kind: str, ref: str) -> Target:
    """Any request, offer or message, for a moderator (hidden ones too)."""
    if kind == "request":
        found = HelpRequest.objects.filter(public_id=ref).first()
    elif kind == "offer":
        found = Offer.objects.filter(public_id=ref).select_related("request").first()
    elif kind == "message" and (pk := as_key(ref)) is not None:
        found = Message.objects.filter(pk=pk).select_related("offer__request").first()
    else:
        found = None
    if found is None:
        raise Http404
    return Target.of(found)


@require_POST
@moderator_required
def content_action(request: HttpRequest, kind: str, ref: str) -> HttpResponse:
    target = _content(kind, ref)
    form = ActionForm(request.POST, allowed=CONTENT_ACTIONS[kind], person=target.author_name)
    return _run(
        request,
        form,
        target,
        f"{target.kind}-{target.ref}",
        lambda data: _person_or_content(request.user, target, data, None),
    )


@dataclass
class LogItem:
    action: ModerationAction

    @property
    def target(self) -> Target | None:
        a = self.action
        if a.help_request_id or a.offer_id or a.message_id:
            return Target.of(a)
        return None

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
        return self.action.subject.display_name


@moderator_required
def log(request: HttpRequest) -> HttpResponse:
    page = Paginator(moderation.log(), 50).get_page(request.GET.get("page"))
    items = [LogItem(a) for a in page.object_list]
    return render(request, "moderation/log.html", {"page": page, "items": items})

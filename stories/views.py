"""Pages for stories, "been there too" and the moderators' part of stories.
Thin: each view parses input, calls one service or selector, and renders."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from board import crisis
from board.drafts import member_action
from board.http import AuthenticatedHttpRequest
from moderation.rules import can_moderate
from moderation.views import moderator_required
from requests import selectors as request_selectors
from requests.services import ServiceError
from stories import selectors, services
from stories.forms import NewStoryForm, ProposedEditForm, StoryForm
from stories.models import Story

# --- Reading ------------------------------------------------------------------------------


def story_list(request: HttpRequest) -> HttpResponse:
    """The Stories page: anyone can read it, newest first, by category."""
    categories = selectors.categories_with_stories()
    slug = request.GET.get("category", "")
    category = next((c for c in categories if c.slug == slug), None)
    page = selectors.published_page(category, request.GET.get("page"))
    context = {
        "page": page,
        "categories": categories,
        "category": category,
        "query": f"category={category.slug}" if category else "",
    }
    return render(request, "stories/list.html", context)


def story_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    context = {
        "story": selectors.get_published(public_id),
        # Moderators can take a published story down again, with a kind note.
        "can_moderate": request.user.is_authenticated and can_moderate(request.user),
    }
    return render(request, "stories/detail.html", context)


# --- The author's side ----------------------------------------------------------------------


def _crisis_panel(request: HttpRequest, form: StoryForm) -> dict | None:
    """As on the ask form: words that suggest danger show crisis help first."""
    if request.POST.get("crisis_seen") == "1" or not services.suggests_danger(form.texts()):
        return None
    return {"resources": crisis.resources_for(get_language() or settings.LANGUAGE_CODE)}


@login_required
def new(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    help_request = request_selectors.get_own_request(request.user, public_id)
    try:
        services.check_can_share(author=request.user, help_request=help_request)
    except ServiceError as error:
        messages.info(request, str(error))
        return redirect(help_request)
    form = NewStoryForm(
        request.POST if request.method == "POST" else None,
        initial={"category": help_request.category_id},
    )
    context = {"form": form, "has_helper": services.accepted_helper(help_request) is not None}
    if request.method != "POST" or not form.is_valid():
        return render(
            request, "stories/form.html", context, status=400 if request.method == "POST" else 200
        )
    if panel := _crisis_panel(request, form):
        return render(request, "stories/form.html", {**context, "crisis_panel": panel})
    try:
        services.create_story(
            author=request.user,
            help_request=help_request,
            texts=form.texts(),
            category=form.cleaned_data["category"],
            show_name=form.cleaned_data["show_name"],
            name_helper=form.cleaned_data["name_helper"],
        )
    except ServiceError as error:
        form.add_error(None, str(error))
        return render(request, "stories/form.html", context, status=400)
    messages.success(
        request,
        _(
            "Thank you for sharing. A moderator will read your story before anyone else sees "
            "it; you can change or withdraw it at any time."
        ),
    )
    return redirect("stories:mine")


@login_required
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "stories/mine.html", {"stories": selectors.stories_of(request.user)})


@login_required
def edit(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    story = selectors.get_own_story(request.user, public_id)
    initial = {**story.texts(), "category": story.category_id, "show_name": story.show_name}
    form = StoryForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"form": form, "story": story}
    if request.method != "POST" or not form.is_valid():
        return render(
            request, "stories/form.html", context, status=400 if request.method == "POST" else 200
        )
    if panel := _crisis_panel(request, form):
        return render(request, "stories/form.html", {**context, "crisis_panel": panel})
    try:
        services.update_story(
            story=story,
            by=request.user,
            texts=form.texts(),
            category=form.cleaned_data["category"],
            show_name=form.cleaned_data["show_name"],
        )
    except ServiceError as error:
        form.add_error(None, str(error))
        return render(request, "stories/form.html", context, status=400)
    messages.success(request, _("Your changes are saved."))
    return redirect("stories:mine")


def _mine(_public_id: str) -> str:
    return reverse("stories:mine")


@member_action(_mine)
def withdraw(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    story = selectors.get_own_story(request.user, public_id)
    services.withdraw_story(story=story, by=request.user)
    messages.success(request, _("Your story is withdrawn. It is no longer anywhere on the board."))
    return redirect("stories:mine")


@member_action(_mine)
def answer_edit(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    story = selectors.get_own_story(request.user, public_id)
    agree = request.POST.get("agree") == "yes"
    try:
        services.answer_proposed_edit(story=story, by=request.user, agree=agree)
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Thank you. Your story is published with the change.")
            if agree
            else _("Understood. Your story is not published; you can change or withdraw it."),
        )
    return redirect("stories:mine")


# --- The helper's consent ---------------------------------------------------------------------


@login_required
def naming(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The helper reads the story and says whether it may name them."""
    story = selectors.story_for_helper(request.user, public_id)
    if request.method == "POST":
        consent = request.POST.get("consent") == "yes"
        services.answer_naming(story=story, by=request.user, consent=consent)
        messages.success(
            request,
            _("Thank you. The story may mention you by your display name.")
            if consent
            else _("Understood. The story won't name you."),
        )
        return redirect("stories:naming", public_id=public_id)
    return render(request, "stories/naming.html", {"story": story})


# --- "I've been there too" ---------------------------------------------------------------------


def _request_page(public_id: str) -> str:
    return reverse("requests:detail", args=[public_id])


@member_action(_request_page)
def been_there(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    help_request = request_selectors.get_request_for(request.user, public_id)
    try:
        if request.POST.get("take_back") == "1":
            services.take_back_been_there(user=request.user, help_request=help_request)
            messages.info(request, _("Taken back."))
        else:
            services.say_been_there(user=request.user, help_request=help_request)
            messages.success(
                request, _("Thank you. The person who asked will know they're not alone.")
            )
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect(help_request)


# --- Moderators ---------------------------------------------------------------------------------


@require_POST
@moderator_required
def moderate(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    story = Story.objects.filter(public_id=public_id).first()
    if story is None:
        raise Http404
    action = request.POST.get("action")
    note = request.POST.get("note", "")
    try:
        if action == "publish":
            services.publish_story(moderator=request.user, story=story)
        elif action == "decline":
            services.decline_story(moderator=request.user, story=story, note=note)
        elif action == "propose":
            form = ProposedEditForm(request.POST)
            if not form.is_valid():
                return render(
                    request, "stories/propose.html", {"story": story, "form": form}, status=400
                )
            texts = {name: form.cleaned_data[name] for name in Story.TEXT_FIELDS}
            services.propose_edit(
                moderator=request.user, story=story, texts=texts, note=form.cleaned_data["note"]
            )
        else:
            raise Http404
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Done."))
    return redirect("moderation:queue")


@moderator_required
def propose(request: AuthenticatedHttpRequest, public_id: str) -> HttpResponse:
    """The form for an edit for privacy (it posts to `moderate`)."""
    story = Story.objects.filter(public_id=public_id, status=Story.Status.PENDING).first()
    if story is None:
        raise Http404
    form = ProposedEditForm(initial=story.texts())
    return render(request, "stories/propose.html", {"story": story, "form": form})

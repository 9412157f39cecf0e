import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from board import crisis as crisis_help
from board.mail import read_local_mail

logger = logging.getLogger(__name__)


def how_it_works(request: HttpRequest) -> HttpResponse:
    return render(request, "board/how_it_works.html")


def crisis(request: HttpRequest) -> HttpResponse:
    """Crisis help in the visitor's language; `?region=` narrows it to one region
    (resources for everywhere are always listed)."""
    language = get_language() or settings.LANGUAGE_CODE
    regions = crisis_help.regions(language)
    region = request.GET.get("region", "")
    if region not in regions:
        region = ""
    context = {
        "resources": crisis_help.resources_for(language, region),
        "regions": regions,
        "region": region,
    }
    return render(request, "board/crisis.html", context)


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "board/privacy.html")


def local_mail(request: HttpRequest) -> HttpResponse:
    """Mail kept on this machine, readable only in a local debug run."""
    if not (settings.DEBUG and settings.EMAIL_BACKEND == "board.mail.LocalFileBackend"):
        raise Http404
    return render(request, "board/local_mail.html", {"mails": read_local_mail()})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


# The last resort when even 500.html cannot render: plain, self-contained, kind.
BARE_SERVER_ERROR = (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
    "<title>Something went wrong · Peer Support Board</title></head><body><main>"
    "<h1>Sorry, something went wrong on our side</h1>"
    "<p>It's not your fault. Please try again in a moment.</p>"
    "<p>If you are in danger right now, please call your local emergency number or find a "
    'helpline at <a href="https://findahelpline.com">findahelpline.com</a>.</p>'
    '<p><a href="/">Back to the board</a></p></main></body></html>'
)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database: the page must render even when they fail.
    from django.template import loader

    try:
        page = loader.get_template("500.html").render()
    except Exception:
        # Django would otherwise answer with a bare "A server error occurred".
        logger.exception("The 500 page itself failed to render")
        page = BARE_SERVER_ERROR
    return HttpResponse(page, status=500)

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from board.mail import read_local_mail


def how_it_works(request: HttpRequest) -> HttpResponse:
    return render(request, "board/how_it_works.html")


def crisis(request: HttpRequest) -> HttpResponse:
    return render(request, "board/crisis.html")


def local_mail(request: HttpRequest) -> HttpResponse:
    """Mail kept on this machine, readable only in a local debug run."""
    if not (settings.DEBUG and settings.EMAIL_BACKEND == "board.mail.LocalFileBackend"):
        raise Http404
    return render(request, "board/local_mail.html", {"mails": read_local_mail()})


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "400.html", status=400)


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception=None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database: the page must render even when they fail.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)

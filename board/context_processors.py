from django.conf import settings


def board(request):
    return {
        "SITE_URL": settings.SITE_URL,
        "CRISIS_URL": settings.BOARD_CRISIS_URL,
        "LOCAL_MAIL": settings.DEBUG and settings.EMAIL_BACKEND == "board.mail.LocalFileBackend",
    }

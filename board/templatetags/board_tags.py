from django import template
from django.utils.safestring import SafeString, mark_safe

from board.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str) -> SafeString:
    # render_markdown sanitises with nh3, so its output is safe to mark.
    return mark_safe(render_markdown(value))  # noqa: S308

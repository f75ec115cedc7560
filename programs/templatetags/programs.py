from django import template

from programs.markdown import render_markdown, render_markdown_text

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    return render_markdown(text)


@register.filter(name="markdown_text")
def markdown_text_filter(text: str) -> str:
    """For text/plain email parts (rendered with autoescaping off)."""
    return render_markdown_text(text)

"""Helpers of the QA round 70 reproducers: read a re-rendered form page."""
from __future__ import annotations

import lxml.html


def doc(response):
    return lxml.html.fromstring(response.get_data(as_text=True))


def summary_links(response) -> list[str]:
    d = doc(response)
    return [a.get("href")[1:] for a in d.xpath('//*[@data-testid="error-summary"]//a')]


def summary_texts(response) -> list[str]:
    d = doc(response)
    return [li.text_content().strip() for li in d.xpath('//*[@data-testid="error-summary"]//li')]


def dangling_links(response) -> list[str]:
    """Summary links whose target id is not on the page."""
    d = doc(response)
    return [i for i in summary_links(response) if not d.xpath(f'//*[@id="{i}"]')]


def form_values(response, form_index: int | None = None) -> dict[str, list[str]]:
    """name → values as the browser would send the page's forms (checked boxes, selected
    options, textarea text)."""
    d = doc(response)
    forms = d.xpath("//form[@method='post' or @method='POST']")
    if form_index is not None:
        forms = [forms[form_index]]
    out: dict[str, list[str]] = {}
    for form in forms:
        for el in form.xpath(".//input|.//select|.//textarea"):
            name = el.get("name")
            if not name:
                continue
            if el.tag == "select":
                vals = [o.get("value", o.text or "") for o in el.xpath(".//option[@selected]")]
                if not vals and el.get("multiple") is None:
                    opts = el.xpath(".//option")
                    vals = [opts[0].get("value", opts[0].text or "")] if opts else []
                out.setdefault(name, []).extend(vals)
            elif el.tag == "textarea":
                # The browser drops one newline after <textarea>.
                text = el.text or ""
                out.setdefault(name, []).append(
                    text[1:] if text.startswith("\n") else text.removeprefix("\r\n"))
            elif el.get("type") in ("checkbox", "radio"):
                if el.get("checked") is not None:
                    out.setdefault(name, []).append(el.get("value", "on"))
            elif el.get("type") in ("submit", "button"):
                continue
            else:
                out.setdefault(name, []).append(el.get("value", ""))
    return out

"""The public disclosure page (公示) of a campus: /p/<code>/, no login.

The campus middleware has resolved ``public_campus`` (404 for an unknown campus, an
inactive one or one whose disclosure page is switched off) and runs the request inside
that campus's scope. Every section comes from the :mod:`houqin.core.disclosure` registry;
a section's function returns the context of its template (published data only) or
``None`` to stay hidden, and the template is rendered with that context plus ``campus``
and ``section``.
"""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_GET

from houqin.core import disclosure
from houqin.core.permissions import public_view


@public_view
@require_GET
def disclosure_page(request, public_campus):
    campus = request.campus
    sections = []
    for section, ctx in disclosure.sections_for(request, campus):
        html = render_to_string(
            section.template, {**ctx, "campus": campus, "section": section}, request=request
        )
        sections.append((section, html))
    return render(
        request,
        "public/disclosure.html",
        {"title": campus.name, "public_campus": campus, "sections": sections},
    )


urlpatterns = [path("", disclosure_page, name="disclosure")]

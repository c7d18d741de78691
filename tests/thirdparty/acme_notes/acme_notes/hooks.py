"""acme_notes' face to the kernel: a page, a company page section, API fields, a hook."""

from flask import Blueprint, render_template
from markupsafe import escape
from marshmallow import ValidationError, fields, validate

from core import hookimpl, hooks_for
from core.db import session_of
from core.models import Company
from core.schemas import Extension
from core.ui import FormSection, MenuItem
from core.web import current_company

from .models import CompanyNote

pages = Blueprint("pages", __name__)


def note_of(company):
    row = session_of(company).get(CompanyNote, company.id)
    return row.note if row else ""


def tags_of(company, note):
    return sorted(
        {
            tag
            for tags in hooks_for(company).acme_notes_tags(company=company, note=note)
            for tag in tags
        }
    )


@pages.get("/")
def index():
    company = current_company()
    note = note_of(company)
    return render_template("acme_notes/index.html", note=note, tags=tags_of(company, note))


@hookimpl
def addon_blueprints():
    return [pages]


@hookimpl
def menu_items(company, user):
    return [MenuItem("Notes", "/acme_notes/", sequence=90)]


@hookimpl
def document_form_sections(document):
    if not isinstance(document, Company):
        return []
    note = note_of(document) or "(no note)"
    return [FormSection("Acme note", f'<p class="acme-note">{escape(note)}</p>', sequence=50)]


@hookimpl
def extend_schema(schema_name, company):
    if schema_name != "core.company":
        return {}
    return {
        "acme_notes_note": Extension(fields.String(validate=validate.Length(max=2000)), note_of)
    }


@hookimpl
def document_saved(document, data):
    if not isinstance(document, Company) or "acme_notes_note" not in data:
        return
    note = data["acme_notes_note"]
    if "<script" in note.lower():
        raise ValidationError({"acme_notes_note": ["scripts are not notes"]})
    session = session_of(document)
    row = session.get(CompanyNote, document.id)
    if row is None:
        session.add(CompanyNote(company_id=document.id, note=note))
    else:
        row.note = note
    session.flush()


@hookimpl
def pdf_context(document):
    if isinstance(document, Company):
        return {"note": note_of(document)}
    return {}


@hookimpl
def acme_notes_tags(company, note):
    """Its own published hook: hashtags in the note."""
    return [word[1:] for word in note.split() if word.startswith("#") and len(word) > 1]

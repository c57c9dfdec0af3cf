"""Adding a file to a case after intake, from the desk's and the agency's case pages
(services/attachments.add_document): one form and one handler for both."""

from __future__ import annotations

import logging

from flask import abort, request, send_file
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound
from wtforms import FileField, SelectField

from complaints import clock
from complaints.extensions import db
from complaints.services import attachments
from complaints.services.attachments import StorageError
from complaints.services.case_view import purpose_choices
from complaints.services.errors import NotAllowed, ValidationFailed
from complaints.web.forms import Form, attach_errors, page_errors, select_choices
from complaints.web.i18n import error_text

logger = logging.getLogger(__name__)


class DocumentForm(Form):
    """One file and what it is."""

    document = FileField(_l("Tệp (PDF, JPEG hoặc PNG; tối đa 10 MB)"))
    purpose = SelectField(_l("Loại tài liệu"), choices=[], validate_choice=False)


def document_form(submitted: bool = False) -> DocumentForm:
    form = DocumentForm() if submitted else DocumentForm(formdata=None)
    form.purpose.choices = select_choices(purpose_choices(str(get_locale() or "vi")))
    if not submitted:
        form.purpose.data = "evidence"
    return form


def add_from_request(case, actor) -> tuple[DocumentForm, dict[str, str]]:
    """Store and attach the file of this request; return the form and the errors to show
    (none: added, for the caller to commit)."""
    form = document_form(submitted=True)
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:  # an expired page: nothing to show beside a field
            abort(400)
        return form, page_errors(form, {})
    upload = request.files.get(form.document.name)
    if upload is None or not upload.filename:
        return form, {form.document.id: str(_l("Chọn tệp cần thêm."))}
    data = upload.read(attachments.MAX_FILE_BYTES + 1)
    try:
        attachments.add_document(case, data, upload.filename, form.purpose.data, actor,
                                 clock.now())
    except NotAllowed:  # the case moved on since the page was shown
        db.session.rollback()
        abort(403)
    except ValidationFailed as exc:
        db.session.rollback()
        return form, page_errors(form, attach_errors(form, exc.errors))
    except StorageError as exc:  # disk full: nothing was saved
        db.session.rollback()
        return form, {form.document.id: error_text(exc)}
    return form, {}


class FileMissing(NotFound):
    """A case's file whose content is no longer in the store: 404, saying so."""

    explained = _l("Tệp này không còn trong kho lưu trữ; đã báo cho quản trị hệ thống.")


class FileErased(NotFound):
    """A file whose content was erased with its petitioner's identity: 404, saying so."""

    explained = _l("Nội dung tệp này đã được xóa khi ẩn danh người đứng đơn.")


def send_attachment(row, case, actor):
    """Serve a case's file to a reader who may open the case: a file that may reveal a
    denouncer only to who may see them, each such download audited (pages and API)."""
    from complaints.permissions import can_see_identity

    reveals = attachments.reveals_identity(row, case)
    if reveals and not can_see_identity(actor, case):
        abort(403)
    if row.erased_at is not None:
        raise FileErased()
    try:
        path = attachments.blob_path(row.sha256)
    except ValueError:
        abort(404)
    if not path.is_file():
        # Evidence lost from the store is an incident for the administrator, and the reader
        # is told so, not "page not found" (QA round 67).
        logger.error("attachment %s of case %s: its file %s is missing from the store",
                     row.id, case.tracking_code, row.sha256)
        raise FileMissing()
    if reveals:
        attachments.record_identity_download(row, case, actor, clock.now())
        db.session.commit()
    response = send_file(path, mimetype=row.content_type, as_attachment=True,
                         download_name=attachments.download_name(row.filename), max_age=0,
                         etag=False, conditional=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response

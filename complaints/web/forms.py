"""Shared by the blueprints' form views."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from flask_babel import format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, FieldList, PasswordField, StringField
from wtforms import Form as PlainForm
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation
from wtforms.widgets import TextInput

from complaints.domain.catalog import PETITION_HISTORY
from complaints.domain.messages import CONTROL_CHARACTERS
from complaints.domain.text import blank, has_control, nfc
from complaints.web.i18n import translate, translate_errors

# WTForms has no Vietnamese catalog, so its own messages (a number below a minimum, a
# choice the list does not hold, a required field without a message of ours) showed in
# English on Vietnamese pages. Each English text WTForms asks for → a Vietnamese msgid of
# our catalog, translated back to English there. Vietnamese has no plural forms.
_CHOICE = _l("Lựa chọn không hợp lệ; hãy chọn một mục trong danh sách.")
_CSRF = _l("Biểu mẫu đã hết hạn hoặc không hợp lệ; tải lại trang rồi gửi lại.")
_NUMBER = _l("Nhập một số.")
WTFORMS_MESSAGES = {
    "This field is required.": _l("Trường này là bắt buộc."),
    "Not a valid choice.": _CHOICE,
    "Invalid Choice: could not coerce.": _CHOICE,
    "Invalid choice(s): one or more data inputs could not be coerced.": _CHOICE,
    "'%(value)s' is not a valid choice for this field.":
        _l("“%(value)s” không phải lựa chọn hợp lệ."),
    "'%(value)s' are not valid choices for this field.":
        _l("“%(value)s” không phải lựa chọn hợp lệ."),
    "Not a valid integer value.": _l("Nhập một số nguyên."),
    "Not a valid decimal value.": _NUMBER,
    "Not a valid float value.": _NUMBER,
    "Not a valid date value.": _l("Ngày không hợp lệ."),
    "Not a valid datetime value.": _l("Ngày giờ không hợp lệ."),
    "Not a valid time value.": _l("Giờ không hợp lệ."),
    "Not a valid week value.": _l("Tuần không hợp lệ."),
    "Number must be at least %(min)s.": _l("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Số không được lớn hơn %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Số phải từ %(min)s đến %(max)s."),
    "Date must be at least %(min)s.": _l("Ngày không được trước %(min)s."),
    "Date must be at most %(max)s.": _l("Ngày không được sau %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Ngày phải từ %(min)s đến %(max)s."),
    "Field must be at least %(min)d character long.": _l("Nhập ít nhất %(min)d ký tự."),
    "Field must be at least %(min)d characters long.": _l("Nhập ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d character.": _l("Không quá %(max)d ký tự."),
    "Field cannot be longer than %(max)d characters.": _l("Không quá %(max)d ký tự."),
    "Field must be exactly %(max)d character long.": _l("Phải đúng %(max)d ký tự."),
    "Field must be exactly %(max)d characters long.": _l("Phải đúng %(max)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.":
        _l("Phải từ %(min)d đến %(max)d ký tự."),
    "Field must be equal to %(other_name)s.": _l("Phải trùng với %(other_name)s."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Invalid email address.": _l("Địa chỉ thư điện tử không hợp lệ."),
    "Invalid URL.": _l("Địa chỉ URL không hợp lệ."),
    "Invalid IP address.": _l("Địa chỉ IP không hợp lệ."),
    "Invalid Mac address.": _l("Địa chỉ MAC không hợp lệ."),
    "Invalid UUID.": _l("Mã UUID không hợp lệ."),
    "Invalid field name '%s'.": _l("Tên trường không hợp lệ: “%s”."),
    "Choices cannot be None.": _l("Danh sách lựa chọn trống."),
    "Invalid value, must be one of: %(values)s.": _l("Giá trị phải là một trong: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": _l("Giá trị không được là: %(values)s."),
    "This field cannot be edited.": _l("Không được sửa trường này."),
    "This field is disabled and cannot have a value.":
        _l("Trường này bị khóa, không nhận giá trị."),
    "Invalid CSRF Token.": _CSRF,
    "CSRF token missing.": _CSRF,
    "CSRF failed.": _CSRF,
    "CSRF token expired.": _CSRF,
}


class _Translations:
    """What WTForms calls for its messages: ours where we have one, else its English."""

    def gettext(self, string: str) -> str:
        found = WTFORMS_MESSAGES.get(string)
        return str(found) if found is not None else string

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


_TRANSLATIONS = _Translations()


def _composed(unbound_field, options: dict) -> dict:
    """The options binding a text field with `nfc` first among its filters: its length
    and every check then count letters as they read, and it is saved in one form (QA 97).
    Not a password, which must reach the hash as typed to match the one stored."""
    cls = unbound_field.field_class
    if not issubclass(cls, StringField) or issubclass(cls, PasswordField):
        return options
    filters = options.get("filters", unbound_field.kwargs.get("filters", ()))
    return {**options, "filters": [nfc, *filters]}


def _uncut(field):
    """The bound field without the `maxlength` its Length check implies: a browser cuts
    pasted text to it without a word, and the form was sent without the letter's end (QA
    97). The server's Length check still refuses a text too long, beside the field, and
    gives the whole text back to shorten."""
    if "maxlength" in vars(field.flags):
        delattr(field.flags, "maxlength")
    return field


class Form(FlaskForm):
    """The base of every form: Flask-WTF's CSRF, WTForms' messages in the page's language,
    text composed to NFC (`_composed`), no `maxlength` rendered (`_uncut`)."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            return _uncut(unbound_field.bind(form=form, **_composed(unbound_field, options)))


class Visible:
    """After DataRequired: a text that shows nothing (zero-width or other format characters
    only) is no text, and one holding a control character is refused. For the reasons the
    admin's pages ask, which go only to the audit trail and no service checks (they were
    accepted as typed: a judgement of QA round 87)."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        value = field.data or ""
        if has_control(value):
            raise StopValidation(translate(CONTROL_CHARACTERS))
        if blank(value):
            raise StopValidation(str(self.message))


def form_errors(form) -> dict[str, str]:
    """Return html id → first message for every field WTForms refused, rows of lists too."""
    errors = {}
    for field in form:
        if isinstance(field, FieldList):
            for entry in field:
                for sub in entry.form:
                    if sub.errors:
                        errors[sub.id] = str(sub.errors[0])
        elif field.errors and isinstance(field.errors, list):
            errors[field.id] = str(field.errors[0])
    return errors


def with_service_errors(form, service_errors: Mapping[str, str]) -> dict[str, str]:
    """Return `form_errors(form)` and, for the fields the form found no fault with, the
    service's (html id → translated message), so one round shows every problem."""
    errors = form_errors(form)
    return {**errors, **{key: message for key, message in service_errors.items()
                         if key not in errors}}


def select_choices(pairs: Iterable[tuple[Any, Any]], empty: Any = None) -> list[SelectChoice]:
    """Return (value, label) pairs as SelectChoice, after a ("", empty) option if given.

    WTForms 3.3 deprecates tuple choices and 3.4 drops them. Labels are kept as given, so
    lazy strings stay lazy; values too (e.g. ints behind coerce=int).
    """
    head = [SelectChoice("", empty)] if empty is not None else []
    return head + [SelectChoice(value, label) for value, label in pairs]


_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_NOT_A_DECIMAL = "Not a valid decimal value."  # WTForms' text: WTFORMS_MESSAGES words it


class LocalDecimalField(DecimalField):
    """A decimal typed as people of the page's language write it: on a Vietnamese page
    "1.500.000" and "12,5" (dot groups thousands, comma marks decimals), on an English one
    "1,500,000" and "12.5" (Babel's strict parsing, which refuses misplaced groups). A
    plain "12.5" or "1500000.00" (what the field shows back) is read on either page.
    A text input (a number input lets no browser type "12,5"), with the decimal keypad."""

    widget = TextInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_decimal(text, locale=get_locale() or "vi", strict=True)
            return
        except NumberFormatError:
            pass
        if _PLAIN_NUMBER.fullmatch(text):
            try:
                self.data = Decimal(text)
                return
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                pass
        self.data = None
        raise ValueError(self.gettext(_NOT_A_DECIMAL))

    def recorded(self) -> Decimal | None:
        """The value as it is stored: rounded to `places` as the services round it
        (Decimal.quantize in the default context), e.g. 12,3456 → 12.35, 0,0001 → 0.00."""
        if self.data is None or self.places is None:
            return self.data
        exp = Decimal(1).scaleb(-self.places)
        try:
            if self.rounding is None:
                return self.data.quantize(exp)
            return self.data.quantize(exp, rounding=self.rounding)
        except InvalidOperation:  # too large to round: the field's bounds refuse it
            return self.data

    def canonical(self) -> str:
        """The recorded value written plainly ("1500000.00"): read the same, as the same
        number, on a page of either language (a confirmation carries it, not the text
        typed, which would be read again in whatever language is active then)."""
        value = self.recorded()
        return "" if value is None else format(value, "f")

    def shown(self) -> str:
        """The recorded value as the page's language writes it, with its `places`
        decimals ("1.500.000,75" / "1,500,000.75"; "0,00" for 0.0001)."""
        value = self.recorded()
        if value is None:
            return ""
        places = self.places or 0
        pattern = "#,##0." + "0" * places if places else "#,##0"
        return format_decimal(value, format=pattern)


class SubForm(PlainForm):
    """The base of a form nested in another (FormField, FieldList): no CSRF of its own, and
    WTForms' messages in the page's language (a nested form does not share its parent's
    settings), text composed to NFC and no `maxlength`, as in `Form`."""

    class Meta:
        def get_translations(self, form):
            return _TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            return _uncut(unbound_field.bind(form=form, **_composed(unbound_field, options)))


def attach_errors(form, service_errors: Mapping[str, Any]) -> dict[str, str]:
    """Put a service's messages (ValidationFailed.errors) next to the form's fields,
    translated; keys that are no field of the form, or a hidden one (nothing to show the
    message beside, nor to link to: QA round 44), go in the summary ("__all__")."""
    errors = {}
    for key, message in translate_errors(service_errors).items():
        shown = key in form._fields and form._fields[key].type != "HiddenField"
        name = key if shown else "__all__"
        if name in form._fields:
            form._fields[name].errors = list(form._fields[name].errors) + [message]
        errors[name] = message
    return errors


def page_errors(form, errors: Mapping[str, str]) -> dict[str, str]:
    """What a form's page shows again: the service's messages (attach_errors), then the
    form's own, one per field: the first is the one to act on ("abc" is not a number; that
    it is not above 0 follows from it)."""
    return {**errors, **{name: str(messages[0]) for name, messages in form.errors.items()
                         if name not in errors and messages}}


def history_choices() -> list[SelectChoice]:
    """The history of the matter (domain.history) in the reader's language, blank first:
    left blank, the system derives it."""
    english = str(get_locale() or "vi").startswith("en")
    blank = "— Blank: set by the system —" if english else "— Để trống: hệ thống xác định —"
    return [SelectChoice("", blank)] + [
        SelectChoice(code, en if english else vi) for code, (vi, en) in PETITION_HISTORY.items()]

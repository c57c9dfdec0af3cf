"""The agency's action forms: one per case action, fields named as the services name them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from complaints.domain import decisions
from complaints.domain.limits import REASON_MAX, SUMMARY_MAX
from complaints.web.forms import Form, LocalDecimalField
from complaints.web.i18n import translate

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _decided_on(label=None):
    return DateField(label or _l("Ngày ký quyết định"), format=DATE_FORMATS,
                     validators=[InputRequired(_l("Nhập ngày quyết định."))])


def _reason(label=None, message=None):
    return TextAreaField(label or _l("Lý do"),
                         validators=[DataRequired(message or _l("Nêu lý do.")),
                                     Length(max=REASON_MAX)])


def _figure(form, field) -> None:
    """The service's bounds for an outcome figure, next to the field as it is typed."""
    message = decisions.figure_error(field.name, field.data)
    if message:
        raise ValidationError(translate(message))


def _amount(label):
    return LocalDecimalField(label, places=2, validators=[Optional(), _figure])


def _count(label):
    return IntegerField(label, validators=[Optional(), _figure])


class ConfirmMixin:
    """Destructive acts ask again before they are done (ux.md)."""

    confirmed = HiddenField(default="")


class AcceptForm(Form):
    decided_on = _decided_on(_l("Ngày thụ lý"))
    # A complaint's facts that pick its resolution period (routes._prepare drops them for
    # the other kinds): the resolver's finding, prefilled with what the desk logged.
    is_complex = BooleanField(_l("Vụ việc phức tạp"))
    is_remote = BooleanField(_l("Vùng sâu, vùng xa, đi lại khó khăn"))


class RefuseForm(ConfirmMixin, Form):
    ground = SelectField(_l("Căn cứ không thụ lý"), choices=[], validate_choice=False,
                         validators=[DataRequired(_l("Chọn căn cứ không thụ lý."))])
    reason = _reason(_l("Lý do không thụ lý"), _l("Nêu lý do không thụ lý."))
    decided_on = _decided_on(_l("Ngày thông báo không thụ lý"))


class AssignForm(Form):
    officer = SelectField(_l("Cán bộ xử lý"), choices=[],
                          validators=[DataRequired(_l("Chọn cán bộ của cơ quan."))])


class ExtendForm(ConfirmMixin, Form):
    complexity = SelectField(_l("Mức độ phức tạp"), choices=[], default="")
    days = IntegerField(_l("Số ngày gia hạn"),
                        validators=[InputRequired(_l("Nhập số ngày gia hạn.")),
                                    NumberRange(min=1, message=_l("Số ngày phải lớn hơn 0."))])
    reason = _reason(_l("Lý do gia hạn"), _l("Nêu lý do gia hạn."))
    decided_on = _decided_on(_l("Ngày quyết định gia hạn"))


class ReturnForm(ConfirmMixin, Form):
    reason = _reason(_l("Lý do trả lại (không thuộc thẩm quyền)"), _l("Nêu lý do trả lại đơn."))
    suggested_agency_code = SelectField(
        _l("Cơ quan có thẩm quyền đề xuất"), choices=[],
        validators=[DataRequired(_l("Chọn cơ quan có thẩm quyền đề xuất."))])
    decided_on = _decided_on(_l("Ngày trả lại đơn"))


class TransferForm(ConfirmMixin, Form):
    to_agency_code = SelectField(_l("Chuyển đến cơ quan"), choices=[],
                                 validators=[DataRequired(_l("Chọn cơ quan nhận."))])
    reason = _reason(_l("Lý do chuyển đơn"), _l("Nêu lý do chuyển đơn."))
    decided_on = _decided_on(_l("Ngày chuyển đơn"))


class SuspendForm(ConfirmMixin, Form):
    reason = _reason(_l("Lý do tạm đình chỉ"), _l("Nêu lý do tạm đình chỉ."))
    decided_on = _decided_on(_l("Ngày quyết định tạm đình chỉ"))


class DeclareComplexForm(ConfirmMixin, Form):
    reason = _reason(_l("Lý do xác định vụ việc phức tạp"),
                     _l("Nêu lý do xác định vụ việc phức tạp."))
    decided_on = _decided_on(_l("Ngày quyết định"))


class ResumeForm(Form):
    decided_on = _decided_on(_l("Ngày quyết định tiếp tục giải quyết"))


class ResolveForm(ConfirmMixin, Form):
    outcome = SelectField(_l("Kết quả giải quyết"), choices=[],
                          validators=[DataRequired(_l("Chọn kết quả giải quyết."))])
    decision_number = StringField(_l("Số quyết định / kết luận"),
                                  validators=[DataRequired(_l("Nhập số quyết định / kết luận.")),
                                              Length(max=60)])
    decided_on = _decided_on(_l("Ngày ký quyết định / kết luận"))
    summary = TextAreaField(_l("Tóm tắt kết quả giải quyết"),
                            validators=[DataRequired(_l("Nhập tóm tắt kết quả giải quyết.")),
                                        Length(max=SUMMARY_MAX)])
    money_to_recover = _amount(_l("Tiền kiến nghị thu hồi cho Nhà nước (triệu đồng)"))
    land_to_recover = _amount(_l("Đất kiến nghị thu hồi cho Nhà nước (m²)"))
    money_to_return = _amount(_l("Tiền trả lại cho tổ chức, cá nhân (triệu đồng)"))
    land_to_return = _amount(_l("Đất trả lại cho tổ chức, cá nhân (m²)"))
    people_restored = _count(_l("Số người được khôi phục quyền lợi"))
    orgs_restored = _count(_l("Số tổ chức được khôi phục quyền lợi"))
    people_disciplined = _count(_l("Số người kiến nghị xử lý kỷ luật"))
    officials_disciplined = _count(_l("Trong đó: cán bộ, công chức"))
    sent_to_investigation = BooleanField(_l("Chuyển cơ quan điều tra"))
    people_sent_to_investigation = _count(_l("Số người chuyển cơ quan điều tra"))


FIGURES = decisions.FIGURES


class EnforceForm(ConfirmMixin, Form):
    """What enforcing the decision actually did (thi hành; services/enforcement.py): an
    amount or count left empty is 0; the service bounds them (domain/enforcement.py)."""

    enforced_on = DateField(_l("Ngày thi hành xong quyết định / kết luận"),
                            format=DATE_FORMATS,
                            validators=[InputRequired(_l("Nhập ngày thi hành xong quyết "
                                                         "định."))])
    money_recovered = LocalDecimalField(_l("Tiền đã thu hồi cho Nhà nước (triệu đồng)"),
                                        places=2, validators=[Optional()])
    land_recovered = LocalDecimalField(_l("Đất đã thu hồi cho Nhà nước (m²)"), places=2,
                                       validators=[Optional()])
    money_returned = LocalDecimalField(_l("Tiền đã trả lại cho tổ chức, cá nhân (triệu đồng)"),
                                       places=2, validators=[Optional()])
    land_returned = LocalDecimalField(_l("Đất đã trả lại cho tổ chức, cá nhân (m²)"),
                                      places=2, validators=[Optional()])
    people_disciplined = IntegerField(_l("Số người đã bị xử lý kỷ luật"),
                                      validators=[Optional()])
    officials_disciplined = IntegerField(_l("Trong đó: cán bộ, công chức"),
                                         validators=[Optional()])
    cases_prosecuted = IntegerField(_l("Số vụ đã khởi tố"), validators=[Optional()])
    people_prosecuted = IntegerField(_l("Số đối tượng đã khởi tố"), validators=[Optional()])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)])


class CloseForm(ConfirmMixin, Form):
    reason = _reason(_l("Căn cứ kết thúc hồ sơ"),
                     _l("Nêu căn cứ kết thúc hồ sơ (quyết định đã thi hành, hết thời hạn "
                        "khiếu nại lần hai…)."))


class CheckboxListField(SelectMultipleField):
    """A box to tick per choice; the page shows them as a fieldset (agency/_form.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class WithdrawForm(ConfirmMixin, Form):
    # The petitioners who remain; the view fills the boxes, or drops the field when only
    # one remains (that one withdraws). Unknown values are the service's error, not WTForms'.
    petitioner_ids = CheckboxListField(_l("Người rút đơn"), choices=[], validate_choice=False)
    reason = _reason(_l("Nội dung đơn rút"), _l("Nêu nội dung đơn rút."))
    decided_on = _decided_on(_l("Ngày rút đơn"))


class RevealForm(Form):
    """Only the CSRF token: showing a denouncer's identity is a POST that is audited."""


class NoteForm(Form):
    """A note of the work on the case (services/notes.py): not a decision."""

    note = TextAreaField(_l("Nội dung ghi chú"), validators=[
        DataRequired(_l("Nhập nội dung ghi chú.")),
        Length(max=REASON_MAX, message=_l("Tối đa %(max)d ký tự.", max=REASON_MAX))])


ACTION_FORMS = {
    "accept": AcceptForm, "refuse": RefuseForm, "assign": AssignForm, "extend": ExtendForm,
    "return": ReturnForm, "transfer": TransferForm, "suspend": SuspendForm,
    "resume": ResumeForm, "resolve": ResolveForm, "close": CloseForm,
    "withdraw": WithdrawForm, "enforce": EnforceForm, "declare_complex": DeclareComplexForm,
}
# Final, destructive or irreversible acts ask again before they are done (ux.md): a
# resolution cannot be undone, a suspension stops the resolution clock, an extension uses
# up one the policy allows (QA round 76).
CONFIRM_ACTIONS = frozenset({"refuse", "return", "transfer", "suspend", "resolve", "close",
                             "withdraw", "enforce", "extend", "declare_complex"})
# What the flash says once an action is done (the action label alone read badly).
DONE_MESSAGES = {
    "accept": _l("Đã thụ lý hồ sơ."),
    "refuse": _l("Đã ghi nhận quyết định không thụ lý."),
    "assign": _l("Đã giao cán bộ xử lý hồ sơ."),
    "extend": _l("Đã gia hạn thời hạn giải quyết."),
    "declare_complex": _l("Đã áp dụng thời hạn giải quyết của vụ việc phức tạp."),
    "return": _l("Đã trả lại đơn cho bộ phận tiếp nhận."),
    "transfer": _l("Đã chuyển hồ sơ sang cơ quan khác."),
    "suspend": _l("Đã tạm đình chỉ việc giải quyết."),
    "resume": _l("Đã tiếp tục giải quyết hồ sơ."),
    "resolve": _l("Đã ghi nhận kết quả giải quyết."),
    "close": _l("Đã kết thúc hồ sơ."),
    "withdraw": _l("Đã ghi nhận việc rút đơn."),
    "enforce": _l("Đã ghi nhận kết quả thi hành quyết định."),
}
# A withdrawal that leaves other petitioners: the case goes on (domain.md).
PARTLY_WITHDRAWN = _l("Đã ghi nhận việc rút đơn của người được chọn; hồ sơ tiếp tục được "
                      "giải quyết cho những người đứng đơn còn lại.")

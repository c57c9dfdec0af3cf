"""Reception forms: intake, routing and the other handling outcomes."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from complaints.domain.catalog import CHANNELS, FILING_REASONS, KINDS
from complaints.domain.limits import CONTENT_MAX, REASON_MAX
from complaints.web.forms import Form as PageForm
from complaints.web.forms import SubForm, history_choices

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]  # the date input's value; typed dd/mm/yyyy too
PETITIONER_ROWS = 3  # rows shown at first; "add rows" adds this many more
# A mass petition can carry hundreds of signers, all recorded (domain.md); more than this
# in one form is refused with a message, never cut silently (QA round 16).
MAX_PETITIONER_ROWS = 1000


def _choices(table):
    return [SelectChoice(code, vi) for code, (vi, _en) in table.items()]


def _choices_in_language(table):
    """Choices read when the form is rendered, in the reader's language (not at import)."""
    def choices():
        english = str(get_locale() or "vi").startswith("en")
        # An empty first choice: a reason preselected would be filed without being chosen.
        return [SelectChoice("", "— Choose —" if english else "— Chọn —")] + [
            SelectChoice(code, en if english else vi) for code, (vi, en) in table.items()]
    return choices


class PetitionerForm(SubForm):
    """One signer (no CSRF of its own: it lives inside the intake form)."""

    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=200)])
    id_number = StringField(_l("Số định danh cá nhân / CCCD"),
                            validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("Thư điện tử"), validators=[Optional(), Length(max=255)])
    address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=500)])
    is_representative = BooleanField(_l("Người đại diện"))

    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in
                       ("full_name", "id_number", "phone", "email", "address")) \
            and not self.is_representative.data


def _matter_fields():
    """The round, earlier case, history and field of a matter, as intake and a split ask
    them. Called inside a form's class body, so that the fields keep their place in the
    form's order (WTForms orders fields by creation: the error summary follows it)."""
    return (
        SelectField(_l("Lần khiếu nại"), choices=[SelectChoice("1", _l("Lần đầu")),
                                                  SelectChoice("2", _l("Lần hai"))],
                    default="1"),
        StringField(_l("Mã hồ sơ lần đầu (nếu khiếu nại lần hai)"),
                    validators=[Optional(), Length(max=20)]),
        SelectField(_l("Lịch sử vụ việc"), choices=history_choices, default=""),
        SelectField(_l("Lĩnh vực"), choices=[], validators=[DataRequired(_l("Chọn lĩnh vực."))]),
    )


class IntakeForm(PageForm):
    """Log a received petition (tiếp nhận đơn)."""

    draft = HiddenField()
    kind = SelectField(_l("Loại đơn"), choices=_choices(KINDS),
                       validators=[DataRequired(_l("Chọn loại đơn."))])
    complaint_round, parent_tracking_code, history, field = _matter_fields()
    subject = StringField(_l("Trích yếu nội dung"),
                          validators=[DataRequired(_l("Nhập trích yếu nội dung.")),
                                      Length(max=500)])
    content = TextAreaField(_l("Nội dung đơn"),
                            validators=[DataRequired(_l("Nhập nội dung đơn.")),
                                        Length(max=CONTENT_MAX)])
    channel = SelectField(_l("Kênh tiếp nhận"), choices=_choices(CHANNELS),
                          validators=[DataRequired(_l("Chọn kênh tiếp nhận."))])
    received_on = DateField(_l("Ngày nhận đơn"), format=DATE_FORMATS,
                            validators=[InputRequired(_l("Nhập ngày nhận đơn (dd/mm/yyyy)."))])
    province = SelectField(_l("Tỉnh, thành phố"), choices=[], validate_choice=False)
    locality_code = SelectField(_l("Xã, phường, đặc khu"), choices=[], validate_choice=False)
    eligible = BooleanField(_l("Đủ điều kiện xử lý"), default=True)
    # The facts that pick a longer resolution period (domain.md; the API takes them too).
    is_complex = BooleanField(_l("Vụ việc phức tạp"))
    is_remote = BooleanField(_l("Vùng sâu, vùng xa, đi lại khó khăn"))
    petitioners = FieldList(FormField(PetitionerForm), min_entries=PETITIONER_ROWS,
                            max_entries=MAX_PETITIONER_ROWS)
    petition_scans = MultipleFileField(_l("Bản quét đơn"))
    evidence = MultipleFileField(_l("Tài liệu, chứng cứ kèm theo"))


class RouteForm(PageForm):
    """Route to the competent agency (chuyển đơn đến cơ quan có thẩm quyền)."""

    agency_code = SelectField(_l("Cơ quan có thẩm quyền"), choices=[],
                              validators=[DataRequired(_l("Chọn cơ quan."))])
    override_reason = TextAreaField(_l("Lý do (bắt buộc nếu khác cơ quan được gợi ý)"),
                                    validators=[Optional(), Length(max=2000)])
    decided_on = DateField(_l("Ngày chuyển đơn"), format=DATE_FORMATS, validators=[Optional()])


class ForwardForm(PageForm):
    """Forward outside the system (chuyển đơn đến cơ quan ngoài hệ thống)."""

    forwarded_to = StringField(_l("Cơ quan nhận đơn"),
                               validators=[DataRequired(_l("Nêu cơ quan nhận đơn.")),
                                           Length(max=255)])
    reason = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)])
    decided_on = DateField(_l("Ngày chuyển đơn"), format=DATE_FORMATS, validators=[Optional()])
    confirm = HiddenField()  # it ends the case at the desk: confirmed in a second step


class GuideForm(PageForm):
    """Guide the citizen (hướng dẫn), confirmed in a second step (it ends the case)."""

    reason = TextAreaField(_l("Nội dung hướng dẫn (cơ quan có thẩm quyền)"),
                           validators=[DataRequired(_l("Nêu cơ quan có thẩm quyền đã hướng "
                                                       "dẫn.")), Length(max=2000)])
    decided_on = DateField(_l("Ngày hướng dẫn"), format=DATE_FORMATS, validators=[Optional()])
    confirm = HiddenField()


class FileForm(PageForm):
    """File away (lưu đơn), confirmed in a second step."""

    filing_reason = SelectField(_l("Lý do lưu đơn"),
                                choices=_choices_in_language(FILING_REASONS),
                                validators=[DataRequired(_l("Chọn lý do lưu đơn."))])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=2000)])
    decided_on = DateField(_l("Ngày lưu đơn"), format=DATE_FORMATS, validators=[Optional()])
    confirm = HiddenField()


class ExtendHandlingForm(PageForm):
    """Extend the handling deadline (gia hạn xử lý đơn), confirmed in a second step."""

    days = IntegerField(_l("Số ngày gia hạn"),
                        validators=[InputRequired(_l("Nhập số ngày gia hạn.")),
                                    NumberRange(min=1, message=_l("Số ngày phải lớn hơn 0."))])
    reason = TextAreaField(_l("Lý do gia hạn"),
                           validators=[DataRequired(_l("Nêu lý do gia hạn.")),
                                       Length(max=REASON_MAX)])
    decided_on = DateField(_l("Ngày quyết định gia hạn"), format=DATE_FORMATS,
                           validators=[Optional()])
    confirm = HiddenField()


class ReplyForm(PageForm):
    """The reply letter (văn bản phúc đáp) of the body a case was forwarded to."""

    received_on = DateField(_l("Ngày nhận văn bản phúc đáp"), format=DATE_FORMATS,
                            validators=[Optional()])
    note = TextAreaField(_l("Số, ngày văn bản và nội dung chính"),
                         validators=[Optional(), Length(max=2000)])


def _correction_reason():
    """The reason an entry correction asks for. It is shown in the case's timeline, to
    readers who may not know who denounced too (QA round 44)."""
    return TextAreaField(
        _l("Lý do sửa"),
        description=_l("Căn cứ sửa (giấy tờ, văn bản, nội dung đơn). Không ghi họ tên, số "
                       "giấy tờ, số điện thoại của người đứng đơn: lý do hiện trong quá trình "
                       "xử lý của hồ sơ."),
        validators=[DataRequired(_l("Nêu lý do sửa (căn cứ trong đơn hoặc hồ sơ).")),
                    Length(max=REASON_MAX)])


class CorrectHistoryForm(PageForm):
    """Correct what a letter says of the matter's history (an entry mistake), with why.
    The choices are those of the case's kind (set by the view)."""

    history = SelectField(_l("Lịch sử vụ việc"), choices=[],
                          validators=[DataRequired(_l("Chọn lịch sử vụ việc."))])
    reason = _correction_reason()


class UrgeHolderForm(PageForm):
    """Urge the agency resolving the case, on a later letter (services/urging.py)."""

    note = TextAreaField(
        _l("Nội dung đôn đốc"),
        description=_l("Gửi đến lãnh đạo cơ quan đang giải quyết và ghi vào quá trình xử lý "
                       "của hồ sơ. Không ghi họ tên, số giấy tờ, số điện thoại của người tố "
                       "cáo."),
        validators=[DataRequired(_l("Nêu nội dung đôn đốc.")), Length(max=REASON_MAX)])
    decided_on = DateField(_l("Ngày đôn đốc"), format=DATE_FORMATS, validators=[Optional()])


class ReissuePinForm(PageForm):
    """Give the case a new PIN (intake.reissue_pin): the old one stops working."""

    reason = TextAreaField(
        _l("Lý do cấp lại"),
        description=_l("Ví dụ: công dân mất giấy biên nhận; đã đối chiếu giấy tờ tùy thân của "
                       "người đứng đơn. Không ghi họ tên, số giấy tờ của người tố cáo."),
        validators=[DataRequired(_l("Nêu lý do cấp lại mã PIN.")), Length(max=REASON_MAX)])


class SplitForm(PageForm):
    """Take one content of a letter out into a new case (tách đơn). Kind and field choices
    are set by the view; the content kept is shown filled with the case's content."""

    token = HiddenField()  # one split per form, however often it is sent
    seen = HiddenField()  # the fingerprint of the content shown (SplitData.seen)
    confirm = HiddenField()  # "yes" from the confirmation page: split it
    kind = SelectField(_l("Loại đơn của nội dung tách ra"), choices=[],
                       validators=[DataRequired(_l("Chọn loại đơn."))])
    complaint_round, parent_tracking_code, history, field = _matter_fields()
    subject = StringField(_l("Trích yếu nội dung tách ra"),
                          validators=[DataRequired(_l("Nhập trích yếu nội dung.")),
                                      Length(max=500)])
    content = TextAreaField(_l("Nội dung tách ra"),
                            validators=[DataRequired(_l("Nhập nội dung đơn.")),
                                        Length(max=CONTENT_MAX)])
    kept_subject = StringField(_l("Trích yếu của hồ sơ này"),
                               validators=[DataRequired(_l("Nhập trích yếu của hồ sơ này.")),
                                           Length(max=500)])
    kept_content = TextAreaField(_l("Nội dung còn lại của hồ sơ này"),
                                 validators=[DataRequired(_l("Nhập nội dung còn lại của hồ "
                                                             "sơ này.")),
                                             Length(max=CONTENT_MAX)])


class CorrectPersonForm(PageForm):
    """Correct a signer's particulars (typed wrongly at intake, or learnt since), with why.
    `seen`: the fingerprint of the particulars shown (corrections.person_fingerprint)."""

    seen = HiddenField()

    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Nhập họ và tên.")),
                                                        Length(max=200)])
    id_number = StringField(_l("Số định danh cá nhân / CCCD"),
                            validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("Thư điện tử"), validators=[Optional(), Length(max=255)])
    address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=500)])
    reason = _correction_reason()


class CorrectParticularsForm(PageForm):
    """Correct the case's field, locality and subject before routing, with why. Choices are
    set by the view; `seen`: corrections.particulars_fingerprint of what was shown."""

    seen = HiddenField()
    field = SelectField(_l("Lĩnh vực"), choices=[],
                        validators=[DataRequired(_l("Chọn lĩnh vực."))])
    province = SelectField(_l("Tỉnh, thành phố"), choices=[], validate_choice=False)
    locality_code = SelectField(_l("Xã, phường, đặc khu"), choices=[], validate_choice=False)
    subject = StringField(_l("Trích yếu nội dung"),
                          validators=[DataRequired(_l("Nhập trích yếu nội dung.")),
                                      Length(max=500)])
    reason = _correction_reason()


class CorrectEligibilityForm(PageForm):
    """Correct whether a letter is eligible for handling (đủ điều kiện xử lý), with why."""

    eligible = SelectField(_l("Đủ điều kiện xử lý"), choices=[
        SelectChoice("", _l("— Chọn —")), SelectChoice("yes", _l("Đủ điều kiện xử lý")),
        SelectChoice("no", _l("Không đủ điều kiện xử lý"))],
        validators=[DataRequired(_l("Chọn đơn có đủ điều kiện xử lý hay không."))])
    reason = _correction_reason()

"""Citizens' forms: online submission, look-up, satisfaction, second complaint."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from complaints.services import public
from complaints.web.forms import Form

RATING_CHOICES = [
    SelectChoice("5", _l("5 — Rất hài lòng")),
    SelectChoice("4", _l("4 — Hài lòng")),
    SelectChoice("3", _l("3 — Bình thường")),
    SelectChoice("2", _l("2 — Không hài lòng")),
    SelectChoice("1", _l("1 — Rất không hài lòng")),
]


class SubmitForm(Form):
    kind = RadioField(_l("Loại đơn"), validators=[DataRequired(_l("Chọn loại đơn."))])
    field = SelectField(_l("Lĩnh vực"), validators=[DataRequired(_l("Chọn lĩnh vực."))])
    locality_code = SelectField(_l("Xã, phường nơi xảy ra sự việc"), validators=[Optional()])
    subject = StringField(_l("Tóm tắt nội dung (trích yếu)"), validators=[
        DataRequired(_l("Nhập tóm tắt nội dung.")), Length(max=public.SUBJECT_MAX)])
    content = TextAreaField(_l("Nội dung đơn"), validators=[
        DataRequired(_l("Nhập nội dung đơn.")), Length(max=public.CONTENT_MAX)])
    history = SelectField(_l("Vụ việc này đã gửi trước đây chưa?"), choices=[],
                          validators=[Optional()])
    full_name = StringField(_l("Họ và tên"), validators=[
        DataRequired(_l("Nhập họ và tên.")), Length(max=public.NAME_MAX)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    email = StringField(_l("Thư điện tử (email)"), validators=[
        Optional(), Email(_l("Địa chỉ thư điện tử không hợp lệ.")), Length(max=255)])
    address = StringField(_l("Địa chỉ liên hệ"), validators=[
        Optional(), Length(max=public.ADDRESS_MAX)])
    id_number = StringField(_l("Số định danh cá nhân / CCCD (không bắt buộc)"),
                            validators=[Optional(), Length(max=20)])
    attachments = MultipleFileField(_l("Tài liệu kèm theo (không bắt buộc)"))
    consent = BooleanField(
        _l("Tôi đã đọc và đồng ý với việc xử lý dữ liệu cá nhân nêu trên"),
        validators=[DataRequired(_l("Bạn cần đồng ý để cơ quan xử lý đơn của bạn."))])
    # Honeypot: hidden from people by a CSS class; a robot that fills it is refused.
    website = StringField(_l("Không điền vào ô này"), validators=[Optional()])
    # The form's one-time token: sent again (Back and resend, a second tap) it opens no
    # second case (kept in desk_submissions with the case, as the desk's forms are).
    draft = HiddenField()


class LookupForm(Form):
    tracking_code = StringField(_l("Mã hồ sơ"), validators=[
        DataRequired(_l("Nhập mã hồ sơ.")), Length(max=20)])
    secret = StringField(_l("Mã PIN hoặc số điện thoại đã khai trong đơn"), validators=[
        DataRequired(_l("Nhập mã PIN hoặc số điện thoại.")), Length(max=20)])


class FeedbackForm(Form):
    rating_result = RadioField(_l("Bạn hài lòng với kết quả giải quyết ở mức nào?"),
                               choices=RATING_CHOICES,
                               validators=[DataRequired(_l("Chọn mức từ 1 đến 5."))])
    rating_service = RadioField(
        _l("Bạn hài lòng với cách cơ quan tiếp nhận, xử lý và trả lời ở mức nào?"),
        choices=RATING_CHOICES, validators=[DataRequired(_l("Chọn mức từ 1 đến 5."))])
    comment = TextAreaField(_l("Góp ý thêm (không bắt buộc)"),
                            validators=[Optional(), Length(max=public.COMMENT_MAX)])
    # The case whose page the form was on: the session may hold another by now (QA 84).
    tracking_code = HiddenField()


class SecondComplaintForm(Form):
    reason = TextAreaField(_l("Lý do bạn không đồng ý với quyết định giải quyết lần đầu"),
                           validators=[DataRequired(_l("Nêu lý do không đồng ý với quyết "
                                                       "định.")),
                                       Length(max=public.CONTENT_MAX)])
    confirm = BooleanField(_l("Tôi xác nhận gửi đơn khiếu nại lần hai"),
                           validators=[DataRequired(_l("Đánh dấu để xác nhận."))])

    # The ground the page offered the form on (public.GROUNDS): a form refused after the
    # page was shown keeps the text under the label it was typed under (QA round 82).
    ground = HiddenField()
    # The case whose page the form was on: the session may hold another by now (QA 84).
    tracking_code = HiddenField()

    def shown_ground(self) -> str | None:
        """The ground the page was shown with, when the browser sent a known one."""
        return self.ground.data if self.ground.data in public.GROUNDS else None

    def for_ground(self, ground: str | None) -> "SecondComplaintForm":
        """Word the reason for the second complaint's ground: with no first decision
        (public.UNANSWERED), or none known, there is nothing to disagree with."""
        self.ground.data = ground or ""
        if ground == public.DECISION:
            label, required = (_l("Lý do bạn không đồng ý với quyết định giải quyết lần đầu"),
                               _l("Nêu lý do không đồng ý với quyết định."))
        else:
            label, required = (_l("Nội dung khiếu nại lần hai"),
                               _l("Nêu nội dung khiếu nại lần hai."))
        self.reason.label.text = label
        # A new list: the class's validators are shared by every instance.
        self.reason.validators = [DataRequired(required), Length(max=public.CONTENT_MAX)]
        return self

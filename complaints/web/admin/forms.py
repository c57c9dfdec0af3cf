"""Administrators' forms: fields named as the admin services name them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from complaints.web.forms import Form, Visible

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
_DELETE_REASON = _l("Nêu lý do xóa (căn cứ, văn bản).")
_CHANGE_REASON = _l("Nêu lý do (căn cứ, văn bản).")
_ACCOUNT_REASON = _l("Nêu lý do (ví dụ: nghỉ việc, chuyển công tác, nghi lộ mật khẩu).")
_RESET_REASON = _l("Nêu lý do đặt lại xác thực hai bước.")


class AgencyForm(Form):
    code = StringField(_l("Mã cơ quan"), validators=[DataRequired(_l("Nhập mã cơ quan.")),
                                                     Length(max=40)])
    name = StringField(_l("Tên cơ quan"), validators=[DataRequired(_l("Nhập tên cơ quan.")),
                                                      Length(max=255)])
    name_en = StringField(_l("Tên tiếng Anh (không bắt buộc)"),
                          validators=[Optional(), Length(max=255)])
    level = SelectField(_l("Cấp"), choices=[], validate_choice=False,
                        validators=[DataRequired(_l("Chọn cấp của cơ quan."))])
    parent_code = SelectField(_l("Cơ quan cấp trên"), choices=[], validate_choice=False)
    is_inspectorate = BooleanField(_l("Là cơ quan thanh tra"))
    is_reception_desk = BooleanField(
        _l("Là bộ phận tiếp công dân (chỉ tiếp nhận và chuyển đơn, không giải quyết)"))
    active = BooleanField(_l("Đang hoạt động"), default=True)
    reason = TextAreaField(_l("Lý do ngừng hoặc mở lại hoạt động"),
                           validators=[Optional(), Length(max=500, message=_l(
                               "Tối đa 500 ký tự."))])
    locality_codes = TextAreaField(_l("Địa bàn phụ trách (mã đơn vị hành chính)"),
                                   validators=[Optional(), Length(max=20000)])
    # admin.agency_fingerprint of what the edit form showed (QA86-03); not on a new one.
    seen = HiddenField()


class UserForm(Form):
    username = StringField(_l("Tên đăng nhập"),
                           validators=[DataRequired(_l("Nhập tên đăng nhập.")), Length(max=80)])
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Nhập họ và tên.")),
                                                         Length(max=200)])
    email = StringField(_l("Thư điện tử"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=[], validators=[DataRequired(_l("Chọn vai trò."))])
    agency_code = SelectField(_l("Cơ quan"), choices=[], validate_choice=False)
    password = PasswordField(_l("Mật khẩu ban đầu"),
                             validators=[DataRequired(_l("Nhập mật khẩu.")),
                                         Length(min=10, message=_l("Mật khẩu phải có ít nhất "
                                                                  "10 ký tự."))])


class UserEditForm(Form):
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(_l("Nhập họ và tên.")),
                                                         Length(max=200)])
    email = StringField(_l("Thư điện tử"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=[], validators=[DataRequired(_l("Chọn vai trò."))])
    agency_code = SelectField(_l("Cơ quan"), choices=[], validate_choice=False)
    # admin.user_fingerprint of what the form showed (QA86-03).
    seen = HiddenField()


class PasswordResetForm(Form):
    password = PasswordField(_l("Mật khẩu mới"),
                             validators=[DataRequired(_l("Nhập mật khẩu.")),
                                         Length(min=10, message=_l("Mật khẩu phải có ít nhất "
                                                                  "10 ký tự."))])


class RoutingRuleForm(Form):
    field_code = SelectField(_l("Lĩnh vực"), choices=[], validate_choice=False)
    locality_code = StringField(_l("Mã địa bàn (để trống: mọi địa bàn)"),
                                validators=[Optional(), Length(max=10)])
    kind = SelectField(_l("Loại đơn"), choices=[], validate_choice=False)
    agency_code = SelectField(_l("Cơ quan có thẩm quyền"), choices=[],
                              validators=[DataRequired(_l("Chọn cơ quan."))])
    priority = IntegerField(_l("Ưu tiên"), default=0, validators=[Optional()])
    note = StringField(_l("Ghi chú"), validators=[Optional(), Length(max=255)])


class PolicyForm(Form):
    stage = SelectField(_l("Giai đoạn"), choices=[])
    kind = SelectField(_l("Loại đơn"), choices=[])
    round = SelectField(_l("Lần khiếu nại"), choices=[], coerce=int, default=0)
    variant = SelectField(_l("Trường hợp áp dụng"), choices=[], default="normal")
    days = IntegerField(_l("Số ngày"), validators=[InputRequired(_l("Nhập số ngày.")),
                                                   NumberRange(min=1)])
    unit = SelectField(_l("Đơn vị tính"), choices=[])
    extension_days = IntegerField(_l("Số ngày tối đa mỗi lần gia hạn"), default=0,
                                  validators=[InputRequired(), NumberRange(min=0)])
    max_extensions = IntegerField(_l("Số lần gia hạn tối đa"), default=0,
                                  validators=[InputRequired(), NumberRange(min=0)])
    effective_from = DateField(_l("Áp dụng từ ngày"), format=DATE_FORMATS,
                               validators=[InputRequired(_l("Nhập ngày áp dụng."))])
    source = TextAreaField(_l("Căn cứ pháp lý"),
                           validators=[DataRequired(_l("Nêu căn cứ pháp lý.")),
                                       Length(max=2000)])


class PatternRuleForm(Form):
    code = SelectField(_l("Ngưỡng"), choices=[])
    value = IntegerField(_l("Giá trị"), validators=[InputRequired(_l("Nhập giá trị."))])
    effective_from = DateField(_l("Áp dụng từ ngày"), format=DATE_FORMATS,
                               validators=[InputRequired(_l("Nhập ngày áp dụng."))])
    source = TextAreaField(_l("Căn cứ pháp lý"),
                           validators=[DataRequired(_l("Nêu căn cứ pháp lý.")),
                                       Length(max=2000)])


class RungForm(Form):
    # Checked by services/ladder.py (bounds per level, order of the rungs); the form only
    # parses, so that one round shows every problem.
    level = SelectField(_l("Bậc"), choices=[], coerce=int)
    offset_days = IntegerField(_l("Số ngày so với hạn"),
                               validators=[InputRequired(_l("Nhập số ngày."))])
    unit = SelectField(_l("Đơn vị tính"), choices=[])
    effective_from = DateField(_l("Áp dụng từ ngày"), format=DATE_FORMATS,
                               validators=[InputRequired(_l("Nhập ngày áp dụng."))])
    source = TextAreaField(_l("Căn cứ"), validators=[Length(max=2000)])


class CalendarOverrideForm(Form):
    day = DateField(_l("Ngày"), format=DATE_FORMATS,
                    validators=[InputRequired(_l("Nhập ngày."))])
    kind = SelectField(_l("Loại điều chỉnh"), choices=[])
    description = StringField(_l("Căn cứ, mô tả"),
                              validators=[DataRequired(_l("Nêu căn cứ.")), Length(max=255)])


class ConfirmForm(Form):
    """Only the CSRF token: the second step of a destructive act."""


class ReasonConfirmForm(Form):
    """The second step of a deletion that changes what the system does (a calendar day, a
    routing rule): why, for the audit trail (ux.md; QA round 47)."""

    reason = TextAreaField(
        _l("Lý do xóa"),
        validators=[DataRequired(_DELETE_REASON), Visible(_DELETE_REASON),
                    Length(max=500, message=_l("Tối đa 500 ký tự."))])


class FieldForm(Form):
    """A field of law (lĩnh vực): its code is fixed once created (forms, rules and API
    bodies name it)."""

    code = StringField(_l("Mã lĩnh vực"), validators=[DataRequired(_l("Nhập mã lĩnh vực.")),
                                                      Length(max=40)])
    name_vi = StringField(_l("Tên lĩnh vực"), validators=[
        DataRequired(_l("Nhập tên lĩnh vực.")), Length(max=200)])
    name_en = StringField(_l("Tên tiếng Anh"), validators=[
        DataRequired(_l("Nhập tên tiếng Anh của lĩnh vực.")), Length(max=200)])
    report_category = SelectField(_l("Nhóm lĩnh vực trên biểu mẫu báo cáo"), choices=[],
                                  validate_choice=False, validators=[DataRequired(_l(
                                      "Chọn nhóm lĩnh vực của biểu mẫu báo cáo."))])


class ChangeReasonForm(Form):
    """The second step of stopping or reopening something the desk uses (a field): why,
    for the audit trail."""

    reason = TextAreaField(
        _l("Lý do"),
        validators=[DataRequired(_CHANGE_REASON), Visible(_CHANGE_REASON),
                    Length(max=500, message=_l("Tối đa 500 ký tự."))])


class AccountReasonForm(Form):
    """The second step of locking or reopening an account: why, for the audit trail
    (ux.md: destructive acts ask a reason; reopening gives an account its access back)."""

    reason = TextAreaField(
        _l("Lý do"),
        validators=[DataRequired(_ACCOUNT_REASON), Visible(_ACCOUNT_REASON),
                    Length(max=500, message=_l("Tối đa 500 ký tự."))])


class ResetTwoFactorForm(Form):
    """Reset a user's two-factor sign-in (lost phone): the reason goes to the audit log."""

    reason = TextAreaField(
        _l("Lý do đặt lại"),
        validators=[DataRequired(_RESET_REASON), Visible(_RESET_REASON),
                    Length(min=10, max=500, message=_l("Lý do từ 10 đến 500 ký tự."))])

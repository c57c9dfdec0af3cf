"""Forms of the inbox: acknowledge an escalation, designate a lead agency."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from complaints.web.forms import Form

# What an acknowledgement may record (services.escalation.ACKNOWLEDGE_ACTIONS): no "set the
# lead agency", which the designation form records when it is done, and no measure chosen
# for the user.
ACK_CHOICES = [
    SelectChoice("", _l("— Chọn —")),
    SelectChoice("urge", _l("Đôn đốc cơ quan giải quyết")),
    SelectChoice("reassign", _l("Giao lại cho cơ quan / cán bộ khác")),
    SelectChoice("note", _l("Ghi nhận")),
]


class AcknowledgeForm(Form):
    action = SelectField(_l("Biện pháp đã thực hiện"), choices=ACK_CHOICES,
                         validators=[DataRequired(_l("Chọn biện pháp đã thực hiện."))])
    # Every measure was taken outside the system: the note says what was done (the
    # service's rule too; here so that one round shows every problem).
    note = TextAreaField(_l("Nội dung"),
                         validators=[DataRequired(_l("Nêu nội dung đã thực hiện.")),
                                     Length(max=2000)])


class LeadForm(Form):
    agency_code = SelectField(_l("Cơ quan chủ trì giải quyết"), choices=[],
                              validators=[DataRequired(_l("Chọn cơ quan chủ trì."))])
    note = TextAreaField(_l("Ý kiến chỉ đạo"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        _l("Tôi xác nhận chỉ định này là bắt buộc: cơ quan chủ trì không được trả lại đơn."),
        validators=[DataRequired(_l("Đánh dấu để xác nhận chỉ định."))])

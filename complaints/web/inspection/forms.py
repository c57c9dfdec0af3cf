"""Forms of the inspectors' console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from complaints.domain.catalog import KINDS
from complaints.domain.scoring import COMPONENTS
from complaints.services.reception_sessions import MAX_PETITIONS
from complaints.web.forms import Form as PageForm
from complaints.web.forms import SubForm, history_choices


def _count():
    return [InputRequired(_l("Nhập số không âm.")),
            NumberRange(0, 100000, _l("Nhập số từ 0 đến 100.000."))]


class WeightsForm(PageForm):
    """One whole-number weight (0–100) per score component; the fields are added below."""


for _code in COMPONENTS:
    setattr(WeightsForm, _code, IntegerField(
        _code, validators=[InputRequired(_l("Nhập số nguyên từ 0 đến 100.")),
                           NumberRange(0, 100, _l("Nhập số nguyên từ 0 đến 100."))]))


class RaisedPetitionForm(SubForm):
    """A petition raised at the session: it becomes a case when the session is saved."""

    join_code = StringField(_l("Nhập vào hồ sơ đã có (mã hồ sơ)"),
                            validators=[Optional(), Length(max=40)])
    kind = SelectField(_l("Loại đơn"),
                       choices=[SelectChoice(c, vi) for c, (vi, _en) in KINDS.items()],
                       validate_choice=False)  # checked by intake for the rows used
    history = SelectField(_l("Lịch sử vụ việc"), choices=history_choices, default="",
                          validate_choice=False)  # checked by intake against the kind
    field = SelectField(_l("Lĩnh vực"), choices=[], validate_choice=False)
    locality_code = SelectField(_l("Xã, phường, đặc khu"), choices=[], validate_choice=False)
    # The facts that pick a longer resolution period, as at the desk (QA round 77).
    is_remote = BooleanField(_l("Vùng sâu, vùng xa, đi lại khó khăn"))
    is_complex = BooleanField(_l("Vụ việc phức tạp"))
    subject = StringField(_l("Trích yếu nội dung"), validators=[Optional(), Length(max=500)])
    content = TextAreaField(_l("Nội dung công dân trình bày"),
                            validators=[Optional(), Length(max=20000)])
    full_name = StringField(_l("Họ và tên người đứng đơn"),
                            validators=[Optional(), Length(max=200)])
    id_number = StringField(_l("Số định danh cá nhân / CCCD"),
                            validators=[Optional(), Length(max=20)])
    phone = StringField(_l("Số điện thoại"), validators=[Optional(), Length(max=20)])
    address = StringField(_l("Địa chỉ"), validators=[Optional(), Length(max=500)])
    representatives = TextAreaField(_l("Người đại diện khác của đoàn"),
                                    validators=[Optional(), Length(max=4000)])
    members = TextAreaField(_l("Những người cùng đứng đơn"),
                            validators=[Optional(), Length(max=40000)])

    def is_blank(self) -> bool:
        return not any((self[name].data or "").strip() for name in (
            "join_code", "subject", "content", "full_name", "id_number", "phone", "address",
            "representatives", "members"))


class ReceptionSessionForm(PageForm):
    """A citizen-reception session with its counts (Law on Citizen Reception)."""

    held_on = DateField(_l("Ngày tiếp"), format=["%Y-%m-%d", "%d/%m/%Y"],
                        validators=[InputRequired(_l("Nhập ngày tiếp."))])
    kind = SelectField(_l("Hình thức tiếp"), choices=[
        SelectChoice("regular", _l("Tiếp thường xuyên")),
        SelectChoice("head", _l("Thủ trưởng tiếp trực tiếp")),
        SelectChoice("deputy", _l("Người được ủy quyền tiếp"))])
    scheduled = BooleanField(_l("Tiếp định kỳ (bỏ chọn nếu tiếp đột xuất)"), default=True)
    is_dialogue = BooleanField(_l("Đối thoại"))
    leader_name = StringField(_l("Người chủ trì (họ tên, chức vụ)"),
                              validators=[Optional(), Length(max=200)])
    place = StringField(_l("Địa điểm"), validators=[Optional(), Length(max=255)])
    turns = IntegerField(_l("Số lượt tiếp"), default=0, validators=_count())
    people = IntegerField(_l("Số người"), default=0, validators=_count())
    matters_first = IntegerField(_l("Vụ việc tiếp lần đầu"), default=0, validators=_count())
    matters_repeated = IntegerField(_l("Vụ việc tiếp nhiều lần"), default=0,
                                    validators=_count())
    delegations = IntegerField(_l("Số đoàn đông người"), default=0, validators=_count())
    delegation_people = IntegerField(_l("Số người trong các đoàn"), default=0,
                                     validators=_count())
    delegation_matters = IntegerField(_l("Số vụ việc của các đoàn"), default=0,
                                      validators=_count())
    notes = TextAreaField(_l("Ghi chú"), validators=[Optional(), Length(max=4000)])
    case = HiddenField()  # tracking code of the heated or mass case (tiếp đột xuất)
    token = HiddenField()  # this form's one-time token: sent twice, it saves once
    petitions = FieldList(FormField(RaisedPetitionForm), min_entries=1,
                          max_entries=MAX_PETITIONS)


class HeatedForm(PageForm):
    """Mark a case heated (gay gắt): its agency's head is prompted to receive unscheduled."""

    note = TextAreaField(_l("Tình hình, lý do"),
                         validators=[InputRequired(_l("Nêu tình hình, lý do vụ việc gay gắt.")),
                                     Length(max=4000)])


class InspectorActionForm(PageForm):
    """Urge, order a re-examination, set the lead agency or take the case up."""

    note = TextAreaField(_l("Nội dung, lý do"),
                         validators=[InputRequired(_l("Nêu nội dung hoặc lý do.")),
                                     Length(max=4000)])
    agency_code = SelectField(_l("Cơ quan chủ trì"), choices=[], validate_choice=False)
    confirm = BooleanField(_l("Tôi xác nhận thực hiện thao tác này"))


class RevealForm(PageForm):
    """Only the CSRF token: showing a denouncer's identity is a POST that is audited."""


class FindingForm(PageForm):
    """A finding added to an agency's record."""

    text = TextAreaField(_l("Nhận xét, kết luận của thanh tra"),
                         validators=[InputRequired(_l("Nhập nội dung nhận xét.")),
                                     Length(max=4000)])


class ReportJobForm(PageForm):
    """Ask for a report built in the background (the period fields come from the page)."""

    kind = SelectField(_l("Loại báo cáo"), choices=[
        SelectChoice("official", _l("Bộ biểu mẫu báo cáo (5 biểu)")),
        SelectChoice("workbook", _l("Sổ tổng hợp: hồ sơ, leo thang, bảng điểm"))],
        validators=[InputRequired(message=_l("Chọn loại báo cáo."))])

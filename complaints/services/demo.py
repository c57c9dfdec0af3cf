"""Demo data (DEMO ONLY): a believable Hải Phòng province, story cases, and bulk cases.

Three parts, each taking `today`, `now` and a seeded `random.Random` so that a run can be
repeated exactly:

- `build_province`: the city People's Committee, its inspectorate, departments, the citizen
  reception board and a dozen commune/ward People's Committees on real Hải Phòng wards
  (province code "31"), routing rules, and one user per role, all with the known password
  `demo1234`. Idempotent: what exists already (by code or username) is kept.
- `load_story`: a few hundred cases told THROUGH THE SERVICES (intake and workflow), so
  that each has a real audit trail and deadlines. Every action is dated on a simulated day
  of the last ~6 months and the services get that day as `today`: nothing is in the future.
- `load_bulk`: N synthetic cases for benchmarks, inserted with SQLAlchemy Core in chunks;
  deadlines come from the same policy table and working-day calendar, and each case gets one
  audit event sealed with the real hash function (chain "case:<id>", seq 1).
"""

from __future__ import annotations

import logging
import random
import zlib
from bisect import bisect
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from itertools import accumulate

from sqlalchemy import func, insert, select, text
from tqdm import tqdm
from unidecode import unidecode

from complaints.clock import LOCAL_TZ
from complaints.domain import deadlines as dl
from complaints.domain import enforcement as enforcement_rules
from complaints.domain import escalation as esc_rules
from complaints.domain.policies import PolicyRule, select_policy
from complaints.domain.text import fold
from complaints.extensions import db
from complaints.models import (
    Agency,
    AuditEvent,
    Case,
    CaseDeadline,
    DeadlinePolicy,
    Field,
    Locality,
    Petition,
    Petitioner,
    PetitionSigner,
    ReceptionSession,
    RoutingRule,
    User,
)
from complaints.services import (
    audit,
    deadlines,
    enforcement,
    intake,
    scorecard_summary,
    splitting,
    workflow,
)
from complaints.services.accounts import create_user
from complaints.services.calendar import get_calendar
from complaints.services.intake import CaseData, PetitionData, PetitionerData
from complaints.services.localities import load_localities
from complaints.services.seed import seed_reference_data

logger = logging.getLogger(__name__)

# DEMO ONLY: every demo account has this published password.
DEMO_PASSWORD = "demo1234"  # noqa: S105  # nosec B105  # published demo-only password
PROVINCE_CODE = "31"  # Hải Phòng
CITY = "UBND-HP"
INSPECTORATE = "TTR-HP"
RECEPTION_BOARD = "BTCD"

# --------------------------------------------------------------------------------------
# The province: agencies, routing rules, users
# --------------------------------------------------------------------------------------

# code: (Vietnamese name, English name, short form used in document numbers)
DEPARTMENTS: dict[str, tuple[str, str, str]] = {
    "SO-TNMT": ("Sở Tài nguyên và Môi trường thành phố Hải Phòng",
                "Hai Phong Department of Natural Resources and Environment", "STNMT"),
    "SO-XD": ("Sở Xây dựng thành phố Hải Phòng", "Hai Phong Department of Construction",
              "SXD"),
    "SO-LDTBXH": ("Sở Lao động - Thương binh và Xã hội thành phố Hải Phòng",
                  "Hai Phong Department of Labour, Invalids and Social Affairs", "SLĐTBXH"),
    "SO-TC": ("Sở Tài chính thành phố Hải Phòng", "Hai Phong Department of Finance", "STC"),
    "SO-GTVT": ("Sở Giao thông vận tải thành phố Hải Phòng",
                "Hai Phong Department of Transport", "SGTVT"),
    "SO-YT": ("Sở Y tế thành phố Hải Phòng", "Hai Phong Department of Health", "SYT"),
    "SO-GDDT": ("Sở Giáo dục và Đào tạo thành phố Hải Phòng",
                "Hai Phong Department of Education and Training", "SGDĐT"),
    "SO-NV": ("Sở Nội vụ thành phố Hải Phòng", "Hai Phong Department of Home Affairs", "SNV"),
    "SO-TP": ("Sở Tư pháp thành phố Hải Phòng", "Hai Phong Department of Justice", "STP"),
    "SO-CT": ("Sở Công Thương thành phố Hải Phòng",
              "Hai Phong Department of Industry and Trade", "SCT"),
    "SO-NNPTNT": ("Sở Nông nghiệp và Phát triển nông thôn thành phố Hải Phòng",
                  "Hai Phong Department of Agriculture and Rural Development", "SNNPTNT"),
    RECEPTION_BOARD: ("Ban Tiếp công dân thành phố Hải Phòng",
                      "Hai Phong Citizen Reception Board", "BTCD"),
}

# Real wards/communes of Hải Phòng (codes of the 2025 two-level map) that get a People's
# Committee; Cát Hải is a remote island special zone (is_remote cases).
COMMUNE_WARDS = ("11311", "11341", "11383", "11413", "11443", "11455", "11560", "11581",
                 "10525", "11755", "11824", "11914")
REMOTE_WARDS = frozenset({"11914", "11948"})
COMMUNE_COUNT = 12

# Field of law → the department that handles it by default.
FIELD_AGENCY = {
    "land": "SO-TNMT", "compensation": "SO-TNMT", "environment": "SO-TNMT",
    "construction": "SO-XD", "social_policy": "SO-LDTBXH", "corruption": INSPECTORATE,
    "admin_procedure": "SO-NV", "officials_conduct": "SO-NV", "justice": "SO-TP",
    "other": CITY,
}
# Fields whose first complaints and reports a commune People's Committee handles locally.
COMMUNE_FIELDS = frozenset({"land", "construction"})


@dataclass(frozen=True)
class Credential:
    username: str
    role: str
    agency_code: str | None
    agency_name: str


@dataclass
class Province:
    agencies: int = 0
    routing_rules: int = 0
    users: int = 0
    communes: list[str] = field(default_factory=list)  # commune agency codes
    credentials: list[Credential] = field(default_factory=list)


def commune_code(ward_code: str) -> str:
    return f"UBND-{ward_code}"


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _staff_names(rng: random.Random, count: int) -> Iterator[str]:
    for _ in range(count):
        yield _person_name(rng)[0]


def _choose_wards() -> list[Locality]:
    """Return the wards that get a demo People's Committee: preferred ones, then by code."""
    wards = list(db.session.scalars(
        select(Locality).where(Locality.province_code == PROVINCE_CODE,
                               Locality.level == "commune").order_by(Locality.code)))
    if not wards:
        raise RuntimeError("No Hải Phòng wards in the localities table: run "
                           "`flask localities load` first.")
    by_code = {w.code: w for w in wards}
    chosen = [by_code[c] for c in COMMUNE_WARDS if c in by_code]
    for ward in wards:
        if len(chosen) >= COMMUNE_COUNT:
            break
        if ward not in chosen:
            chosen.append(ward)
    return chosen[:COMMUNE_COUNT]


# The 2025 map's unit types, as English names put them after the place.
_UNIT_TYPES_EN = (("Phường ", "Ward"), ("Xã ", "Commune"), ("Đặc khu ", "Special Zone"),
                  ("Thị trấn ", "Town"))


def _english_commune(name: str) -> str:
    """"Phường Hồng Bàng" → "Hong Bang Ward People's Committee"."""
    for prefix, unit in _UNIT_TYPES_EN:
        if name.startswith(prefix):
            return f"{unidecode(name.removeprefix(prefix))} {unit} People's Committee"
    return f"People's Committee of {unidecode(name)}"


def _get_or_create_agency(code: str, name: str, name_en: str, level: str,
                          parent: Agency | None, now: datetime,
                          is_inspectorate: bool = False,
                          is_reception_desk: bool = False) -> tuple[Agency, bool]:
    agency = db.session.scalar(select(Agency).where(Agency.code == code))
    if agency is not None:
        return agency, False
    agency = Agency(code=code, name=name, name_en=name_en, level=level, parent=parent,
                    is_inspectorate=is_inspectorate, is_reception_desk=is_reception_desk,
                    created_at=now)
    db.session.add(agency)
    db.session.flush()
    audit.record(f"agency:{agency.id}", "agency_created", None, now,
                 {"code": code, "name": name, "level": level,
                  "parent": parent.code if parent else None, "demo": True})
    return agency, True


def build_province(now: datetime, rng: random.Random | None = None) -> Province:
    """Create (or complete) the demo province: agencies, routing rules and users."""
    rng = rng or random.Random(31)  # noqa: S311  # nosec B311  # demo data, not security
    result = Province()
    city, made = _get_or_create_agency(
        CITY, "Ủy ban nhân dân thành phố Hải Phòng", "Hai Phong City People's Committee",
        "province", None, now)
    result.agencies += made
    _, made = _get_or_create_agency(
        INSPECTORATE, "Thanh tra thành phố Hải Phòng", "Hai Phong City Inspectorate",
        "inspectorate", city, now, is_inspectorate=True)
    result.agencies += made
    for code, (name, name_en, _) in DEPARTMENTS.items():
        _, made = _get_or_create_agency(code, name, name_en, "department", city, now,
                                        is_reception_desk=code == RECEPTION_BOARD)
        result.agencies += made
    for ward in _choose_wards():
        agency, made = _get_or_create_agency(
            commune_code(ward.code), f"Ủy ban nhân dân {_lower_first(ward.name)}",
            _english_commune(ward.name), "commune", city, now)
        result.agencies += made
        if ward not in agency.localities:
            agency.localities.append(ward)
        result.communes.append(agency.code)
    db.session.flush()
    result.routing_rules = _routing_rules(result.communes)
    result.users = _users(result.communes, now, rng)
    result.credentials = demo_credentials()
    return result


def _routing_rules(communes: Sequence[str]) -> int:
    """Add the demo routing rules (field × locality × kind → agency) unless some exist."""
    if db.session.scalar(select(func.count()).select_from(RoutingRule)):
        return 0
    fields = {f.code: f.id for f in db.session.scalars(select(Field))}
    agencies = {a.code: a for a in db.session.scalars(select(Agency))}
    added = 0

    def rule(field_code, agency_code, kind=None, locality=None, priority=0, note=None):
        nonlocal added
        if field_code not in fields or agency_code not in agencies:
            return
        db.session.add(RoutingRule(field_id=fields[field_code], locality_code=locality,
                                   kind=kind, agency_id=agencies[agency_code].id,
                                   priority=priority, note=note))
        added += 1

    for field_code, agency_code in FIELD_AGENCY.items():
        rule(field_code, agency_code, note="Theo chức năng quản lý nhà nước của lĩnh vực")
    for field_code in ("corruption", "officials_conduct"):
        rule(field_code, INSPECTORATE, kind="denunciation", priority=10,
             note="Tố cáo cán bộ, công chức: Thanh tra thành phố xác minh")
    for code in communes:
        ward = code.removeprefix("UBND-")
        for field_code in sorted(COMMUNE_FIELDS):
            for kind in ("complaint", "feedback", "denunciation"):
                rule(field_code, code, kind=kind, locality=ward, priority=20,
                     note="Chủ tịch UBND cấp xã giải quyết lần đầu trên địa bàn")
    db.session.flush()
    return added


def _department_users() -> list[tuple[str, str, str]]:
    """(username, role, agency code) of the demo staff other than commune heads."""
    users = [
        ("admin", "admin", ""),
        ("reception", "reception", RECEPTION_BOARD),
        ("head_ubnd", "agency_head", CITY),
        ("inspector", "inspector", INSPECTORATE),
        ("head_ttr", "agency_head", INSPECTORATE),
        ("officer_ttr", "agency_officer", INSPECTORATE),
    ]
    for code in DEPARTMENTS:
        if code == RECEPTION_BOARD:
            continue
        short = code.removeprefix("SO-").lower()
        users.append((f"head_{short}", "agency_head", code))
    for short in ("tnmt", "xd", "ldtbxh"):
        users.append((f"officer_{short}", "agency_officer", f"SO-{short.upper()}"))
    return users


def _users(communes: Sequence[str], now: datetime, rng: random.Random) -> int:
    wanted = _department_users() + [
        (f"head_{code.removeprefix('UBND-')}", "agency_head", code) for code in communes]
    existing = set(db.session.scalars(select(User.username)))
    names = _staff_names(rng, len(wanted))
    added = 0
    with demo_hashing():
        for (username, role, agency_code), full_name in zip(wanted, names, strict=True):
            if username in existing:
                continue
            # The published demo password predates the policy: demo data only.
            create_user(username, role, DEMO_PASSWORD, now, agency_code=agency_code or None,
                        enforce_policy=False,
                        full_name="Quản trị hệ thống" if role == "admin" else full_name,
                        email=f"{username}@demo.haiphong.gov.vn")
            added += 1
    return added


def demo_credentials() -> list[Credential]:
    """Return the demo accounts that exist, in a stable order, for the credentials table."""
    order = [u for u, _, _ in _department_users()]
    rows = db.session.execute(
        select(User.username, User.role, Agency.code, Agency.name)
        .outerjoin(Agency, User.agency_id == Agency.id)
        .where(User.email.like("%@demo.haiphong.gov.vn"))
    ).all()
    rank = {u: i for i, u in enumerate(order)}
    rows.sort(key=lambda r: (rank.get(r[0], len(order)), r[0]))
    return [Credential(r[0], r[1], r[2], r[3] or "") for r in rows]


@contextmanager
def demo_hashing() -> Iterator[None]:
    """DEMO ONLY: hash the one demo password once for all the demo accounts.

    werkzeug's default scrypt costs ~0.3 s a hash, so thirty accounts would cost ten
    seconds. Inside this block every account gets the same full-strength hash of the same
    published password; the original function is restored after.
    """
    from complaints.models import user as user_module

    original = user_module.generate_password_hash
    cache: dict[tuple, str] = {}

    def hash_once(password: str, *args, **kwargs) -> str:
        key = (password, args, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = original(password, *args, **kwargs)
        return cache[key]

    user_module.generate_password_hash = hash_once
    try:
        yield
    finally:
        user_module.generate_password_hash = original


# --------------------------------------------------------------------------------------
# People, places and what they write about
# --------------------------------------------------------------------------------------

FAMILY_NAMES = (("Nguyễn", 36), ("Trần", 11), ("Lê", 9), ("Phạm", 8), ("Vũ", 5), ("Hoàng", 4),
                ("Đỗ", 3), ("Bùi", 3), ("Đặng", 2), ("Ngô", 2), ("Phan", 2), ("Đinh", 2),
                ("Dương", 1), ("Lương", 1), ("Mạc", 1), ("Hà", 1), ("Trịnh", 1), ("Đào", 1),
                ("Cao", 1), ("Lý", 1))
MIDDLE_MALE = ("Văn", "Văn", "Văn", "Đức", "Minh", "Quang", "Hữu", "Xuân", "Công", "Thanh",
               "Ngọc", "Duy", "Mạnh", "Trọng")
MIDDLE_FEMALE = ("Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Phương", "Hồng",
                 "Kim", "Thúy", "Bích")
GIVEN_MALE = ("Hùng", "Dũng", "Tuấn", "Minh", "Nam", "Hải", "Long", "Thắng", "Cường", "Sơn",
              "Quân", "Hoàng", "Phúc", "Đức", "Tùng", "Trung", "Khánh", "Bình", "An", "Thành",
              "Hiếu", "Việt", "Toàn", "Huy", "Lâm", "Chiến", "Tiến", "Kiên")
GIVEN_FEMALE = ("Lan", "Hoa", "Hương", "Mai", "Hằng", "Thảo", "Linh", "Ngọc", "Trang", "Hạnh",
                "Nga", "Yến", "Phương", "Thủy", "Oanh", "Dung", "Huyền", "Loan", "Nhung", "Vân",
                "Hà", "Liên", "Quyên", "Tâm")
STREETS = ("Lạch Tray", "Điện Biên Phủ", "Trần Phú", "Lê Lợi", "Hai Bà Trưng", "Tô Hiệu",
           "Văn Cao", "Đà Nẵng", "Nguyễn Văn Linh", "Lê Thánh Tông", "Cầu Đất",
           "Hoàng Văn Thụ", "Trần Nguyên Hãn", "Lê Hồng Phong", "Chùa Hàng", "Quang Trung",
           "Phạm Văn Đồng", "Ngô Quyền", "Trần Hưng Đạo", "Nguyễn Lương Bằng")
HAMLETS = ("Thôn Đông", "Thôn Đoài", "Thôn Trung", "Thôn Nam", "Thôn Bắc", "Thôn Thượng",
           "Thôn Hạ", "Thôn An Lạc", "Thôn Phú Xuân", "Thôn Tiền Phong", "Xóm Mới", "Xóm Chùa")

_FAMILY, _FAMILY_CUM = zip(*FAMILY_NAMES, strict=True)
_FAMILY_CUM = tuple(accumulate(_FAMILY_CUM))


def _person_name(rng: random.Random) -> tuple[str, bool]:
    """Return a plausible Vietnamese full name and whether it is a woman's."""
    family = _FAMILY[bisect(_FAMILY_CUM, rng.random() * _FAMILY_CUM[-1])]
    female = rng.random() < 0.45
    if female:
        return f"{family} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}", True
    return f"{family} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}", False


def _id_number(rng: random.Random, female: bool, serial: int | None = None) -> str:
    """A 12-digit citizen ID: province 031, gender/century digit, birth year, serial."""
    born = rng.randint(1945, 2004)
    century = 0 if born < 2000 else 2
    serial = rng.randrange(10**6) if serial is None else serial % 10**6
    return f"031{century + female}{born % 100:02d}{serial:06d}"


def _phone(rng: random.Random) -> str:
    return f"0{rng.choice('3789')}{rng.randrange(10**8):08d}"


def _address(rng: random.Random, ward_name: str | None) -> str:
    """A street address in a ward (phường), a hamlet in a commune (xã) or special zone."""
    place = f"{ward_name}, thành phố Hải Phòng" if ward_name else "thành phố Hải Phòng"
    if ward_name and ward_name.startswith("Phường"):
        return f"Số {rng.randint(1, 250)} đường {rng.choice(STREETS)}, {place}"
    return f"{rng.choice(HAMLETS)}, {place}"


@dataclass(frozen=True)
class Template:
    """What a petition says: its kind, subject and content ({place} is the locality)."""

    kind: str
    subject: str
    content: str
    agency: str | None = None  # the competent agency when the field alone does not say


def _t(kind: str, subject: str, content: str, agency: str | None = None) -> Template:
    return Template(kind, subject, content, agency)


TEMPLATES: dict[str, tuple[Template, ...]] = {
    "land": (
        _t("complaint", "Khiếu nại quyết định thu hồi đất nông nghiệp",
           "Tôi khiếu nại quyết định thu hồi đất nông nghiệp của gia đình tại {place}. Việc "
           "thu hồi không được thông báo trước, không tổ chức đối thoại và giá bồi thường "
           "thấp hơn giá thị trường. Đề nghị xem xét hủy quyết định."),
        _t("complaint", "Khiếu nại việc từ chối cấp Giấy chứng nhận quyền sử dụng đất",
           "Gia đình tôi sử dụng ổn định thửa đất tại {place} từ năm 1993, không tranh chấp, "
           "nhưng hồ sơ đề nghị cấp Giấy chứng nhận bị từ chối mà không nêu rõ lý do. Đề nghị "
           "xem xét lại."),
        _t("feedback", "Phản ánh việc lấn chiếm đất công để kinh doanh",
           "Một số hộ tại {place} lấn chiếm đất công, hành lang đường để dựng quán kinh doanh, "
           "gây mất trật tự và cản trở giao thông. Đề nghị kiểm tra, xử lý."),
        _t("recommendation", "Kiến nghị rà soát quy hoạch treo tại khu dân cư",
           "Khu dân cư tại {place} nằm trong quy hoạch treo nhiều năm, người dân không được "
           "xây dựng, sửa chữa nhà. Kiến nghị rà soát, điều chỉnh hoặc công bố lộ trình thực "
           "hiện quy hoạch."),
        _t("denunciation", "Tố cáo cán bộ địa chính xác nhận sai nguồn gốc đất",
           "Tôi tố cáo cán bộ địa chính tại {place} đã xác nhận sai nguồn gốc sử dụng đất cho "
           "một số hộ để được cấp Giấy chứng nhận, gây thiệt hại cho Nhà nước."),
    ),
    "compensation": (
        _t("complaint", "Khiếu nại phương án bồi thường, hỗ trợ giải phóng mặt bằng",
           "Phương án bồi thường khi thu hồi đất thực hiện dự án mở rộng đường tại {place} áp "
           "dụng đơn giá thấp, chưa tính công trình, cây cối trên đất. Đề nghị xem xét lại đơn "
           "giá và bổ sung hỗ trợ chuyển đổi nghề."),
        _t("complaint", "Khiếu nại việc không được bố trí tái định cư",
           "Gia đình tôi bị thu hồi toàn bộ đất ở tại {place} nhưng không được bố trí tái định "
           "cư, trong khi các hộ lân cận có cùng điều kiện đã được bố trí. Đề nghị giải quyết "
           "theo quy định."),
        _t("recommendation", "Kiến nghị chi trả tiền bồi thường còn chậm",
           "Dự án đã có quyết định phê duyệt phương án bồi thường hơn sáu tháng nhưng người "
           "dân tại {place} vẫn chưa được nhận tiền. Kiến nghị khẩn trương chi trả."),
    ),
    "environment": (
        _t("feedback", "Phản ánh ô nhiễm khói bụi, tiếng ồn từ cơ sở sản xuất",
           "Cơ sở sản xuất vật liệu xây dựng tại {place} hoạt động cả ban đêm, xả khói bụi, "
           "tiếng ồn vượt mức cho phép, ảnh hưởng sức khỏe người dân. Đề nghị kiểm tra, xử lý."),
        _t("feedback", "Phản ánh xả nước thải chưa qua xử lý ra kênh tưới tiêu",
           "Nước thải từ khu chăn nuôi tập trung tại {place} xả thẳng ra kênh tưới tiêu, gây "
           "mùi hôi và cá chết hàng loạt. Đề nghị lấy mẫu kiểm tra."),
        _t("recommendation", "Kiến nghị bố trí điểm tập kết và thu gom rác thải",
           "Rác thải sinh hoạt tại {place} không được thu gom thường xuyên, tồn đọng ven "
           "đường. Kiến nghị bố trí điểm tập kết và tăng tần suất thu gom."),
    ),
    "construction": (
        _t("complaint", "Khiếu nại quyết định xử phạt vi phạm hành chính trong xây dựng",
           "Tôi khiếu nại quyết định xử phạt và buộc tháo dỡ một phần công trình của gia đình "
           "tại {place}. Phần công trình này đã có giấy phép sửa chữa, việc xử phạt là không "
           "đúng."),
        _t("feedback", "Phản ánh công trình xây sai phép gây lún nứt nhà liền kề",
           "Công trình nhà ở đang thi công tại {place} xây vượt số tầng được cấp phép, thi công "
           "móng gây lún nứt tường nhà tôi. Đề nghị đình chỉ thi công và buộc bồi thường."),
        _t("recommendation", "Kiến nghị cải tạo chung cư cũ xuống cấp",
           "Khu chung cư cũ tại {place} xuống cấp nghiêm trọng, bong tróc, thấm dột, có nguy "
           "cơ mất an toàn. Kiến nghị kiểm định và có phương án cải tạo."),
        _t("denunciation", "Tố cáo cán bộ trật tự xây dựng bao che vi phạm",
           "Tôi tố cáo cán bộ phụ trách trật tự xây dựng tại {place} biết công trình vi phạm "
           "nhưng không lập biên bản, có dấu hiệu nhận tiền để bao che."),
    ),
    "social_policy": (
        _t("complaint", "Khiếu nại việc cắt trợ cấp xã hội hằng tháng",
           "Mẹ tôi 82 tuổi, sống một mình tại {place}, đang hưởng trợ cấp xã hội hằng tháng "
           "thì bị cắt mà không có thông báo. Đề nghị xem xét khôi phục chế độ."),
        _t("complaint", "Khiếu nại việc không được công nhận hộ cận nghèo",
           "Gia đình tôi thu nhập thấp, có người khuyết tật nhưng không được bình xét hộ cận "
           "nghèo năm nay tại {place}; việc bình xét không công khai. Đề nghị xem xét lại."),
        _t("recommendation", "Kiến nghị giải quyết chế độ người có công với cách mạng",
           "Bố tôi tham gia kháng chiến, bị nhiễm chất độc hóa học; hồ sơ đề nghị hưởng chế độ "
           "đã nộp từ lâu tại {place} nhưng chưa được giải quyết. Kiến nghị xem xét."),
        _t("feedback", "Phản ánh doanh nghiệp nợ bảo hiểm xã hội của người lao động",
           "Công ty nơi tôi làm việc tại {place} trừ tiền bảo hiểm xã hội hằng tháng nhưng "
           "không đóng cho cơ quan bảo hiểm nhiều tháng liền. Đề nghị thanh tra, xử lý."),
    ),
    "corruption": (
        _t("denunciation", "Tố cáo hành vi nhận tiền để giải quyết hồ sơ nhanh",
           "Tôi tố cáo một cán bộ bộ phận một cửa tại {place} gợi ý và nhận tiền 'bồi dưỡng' "
           "để hồ sơ được giải quyết nhanh. Tôi có ghi âm và tin nhắn làm chứng cứ."),
        _t("denunciation", "Tố cáo sai phạm trong quản lý, sử dụng ngân sách",
           "Tôi tố cáo lãnh đạo đơn vị tại {place} lập chứng từ khống để chi tiền hỗ trợ, sử "
           "dụng kinh phí sai mục đích. Đề nghị thanh tra làm rõ."),
        _t("denunciation", "Tố cáo dấu hiệu thông thầu tại dự án xây dựng trường học",
           "Gói thầu xây dựng trường học tại {place} được giao cho doanh nghiệp có quan hệ "
           "thân quen với người có thẩm quyền, giá trúng thầu cao bất thường."),
    ),
    "admin_procedure": (
        _t("complaint", "Khiếu nại việc trả hồ sơ đăng ký hộ kinh doanh",
           "Hồ sơ đăng ký hộ kinh doanh của tôi nộp tại {place} bị trả lại nhiều lần, mỗi lần "
           "yêu cầu bổ sung giấy tờ khác nhau không có trong quy định."),
        _t("feedback", "Phản ánh giải quyết thủ tục hành chính trễ hẹn",
           "Hồ sơ nộp tại bộ phận một cửa {place} đã quá hẹn hơn một tháng nhưng không có văn "
           "bản xin lỗi hay thông báo lý do."),
        _t("recommendation", "Kiến nghị đơn giản hóa thủ tục xác nhận cư trú",
           "Người dân tại {place} phải đi lại nhiều lần để xin xác nhận cư trú. Kiến nghị khai "
           "thác cơ sở dữ liệu dân cư thay cho giấy xác nhận."),
    ),
    "officials_conduct": (
        _t("feedback", "Phản ánh thái độ hách dịch của cán bộ tiếp nhận hồ sơ",
           "Khi tôi đến làm thủ tục tại {place}, cán bộ tiếp nhận có thái độ hách dịch, lớn "
           "tiếng và không hướng dẫn cụ thể."),
        _t("denunciation", "Tố cáo cán bộ sách nhiễu người dân khi giải quyết hồ sơ",
           "Tôi tố cáo cán bộ tư pháp - hộ tịch tại {place} cố tình gây khó khăn, yêu cầu nộp "
           "thêm tiền ngoài lệ phí quy định."),
        _t("complaint", "Khiếu nại quyết định kỷ luật viên chức",
           "Tôi là viên chức công tác tại {place}, bị kỷ luật khiển trách nhưng quy trình xem "
           "xét không đúng quy định, tôi không được giải trình. Đề nghị hủy quyết định."),
    ),
    "justice": (
        _t("complaint", "Khiếu nại việc chậm tổ chức thi hành án dân sự",
           "Bản án có hiệu lực pháp luật đã lâu nhưng cơ quan thi hành án chưa tổ chức thi "
           "hành, người phải thi hành án tại {place} đang tẩu tán tài sản."),
        _t("recommendation", "Kiến nghị được trợ giúp pháp lý miễn phí",
           "Tôi thuộc hộ nghèo tại {place}, đang có tranh chấp hợp đồng. Kiến nghị được cử "
           "trợ giúp viên pháp lý hỗ trợ."),
        _t("feedback", "Phản ánh văn phòng công chứng thu phí sai quy định",
           "Văn phòng công chứng tại {place} thu phí công chứng hợp đồng cao hơn mức quy định "
           "và không xuất hóa đơn."),
    ),
    "other": (
        _t("feedback", "Phản ánh thái độ phục vụ tại bệnh viện",
           "Người nhà bệnh nhân tại bệnh viện trên địa bàn {place} phải chờ đợi lâu, nhân viên "
           "y tế thiếu tận tình, thu thêm chi phí ngoài quy định.", "SO-YT"),
        _t("recommendation", "Kiến nghị về các khoản thu đầu năm học",
           "Trường tiểu học tại {place} thu nhiều khoản đầu năm học ngoài quy định, phụ huynh "
           "không được bàn bạc. Kiến nghị kiểm tra, chấn chỉnh.", "SO-GDDT"),
        _t("recommendation", "Kiến nghị lắp đặt đèn tín hiệu giao thông tại nút giao",
           "Nút giao tại {place} thường xuyên xảy ra va chạm giao thông, nhất là giờ tan học. "
           "Kiến nghị lắp đặt đèn tín hiệu và biển cảnh báo.", "SO-GTVT"),
        _t("feedback", "Phản ánh kinh doanh hàng giả, hàng kém chất lượng",
           "Một số cửa hàng tại {place} bày bán phân bón, thuốc bảo vệ thực vật không rõ nguồn "
           "gốc, nghi là hàng giả. Đề nghị kiểm tra, xử lý.", "SO-CT"),
        _t("recommendation", "Kiến nghị hỗ trợ thiệt hại cây trồng sau bão",
           "Sau cơn bão vừa qua, diện tích lúa và rau màu của nhiều hộ tại {place} bị ngập "
           "úng, mất trắng. Kiến nghị hỗ trợ giống và kinh phí khắc phục.", "SO-NNPTNT"),
        _t("feedback", "Phản ánh việc thu phí, lệ phí không đúng quy định",
           "Tại {place} người dân phải nộp một số khoản phí, lệ phí không có trong danh mục "
           "được phép thu. Đề nghị kiểm tra, hoàn trả.", "SO-TC"),
    ),
}

BY_KIND: dict[str, list[tuple[str, Template]]] = {}
for _field_code, _templates in TEMPLATES.items():
    for _template in _templates:
        BY_KIND.setdefault(_template.kind, []).append((_field_code, _template))

KIND_WEIGHTS = (("complaint", 42), ("denunciation", 14), ("recommendation", 20),
                ("feedback", 24))

# Where a case that is not ours gets bounced to first (the "wrong" agency).
CONFUSED_WITH = {"SO-TNMT": "SO-XD", "SO-XD": "SO-TNMT", "SO-LDTBXH": "SO-NV",
                 "SO-NV": "SO-LDTBXH", INSPECTORATE: "SO-NV", "SO-TP": "SO-NV",
                 "SO-YT": "SO-LDTBXH", "SO-GDDT": "SO-NV", "SO-GTVT": "SO-XD",
                 "SO-CT": "SO-NNPTNT", "SO-NNPTNT": "SO-TNMT", "SO-TC": "SO-TNMT",
                 CITY: "SO-NV"}
PING_PONG = {"SO-TNMT": "SO-TC", "SO-XD": "SO-TNMT", "SO-LDTBXH": "SO-NV", "SO-NV": "SO-TP"}

SUMMARIES = {
    "right": "Khiếu nại đúng. Hủy quyết định bị khiếu nại, giao cơ quan chuyên môn giải quyết "
             "lại theo quy định.",
    "wrong": "Khiếu nại sai. Giữ nguyên quyết định bị khiếu nại; đã giải thích, hướng dẫn "
             "người khiếu nại quyền khiếu nại lần hai hoặc khởi kiện.",
    "partly_right": "Khiếu nại đúng một phần. Sửa đổi một phần quyết định bị khiếu nại.",
    "upheld": "Công nhận quyết định giải quyết khiếu nại lần đầu là đúng pháp luật.",
    "annulled": "Hủy quyết định giải quyết khiếu nại lần đầu, giao giải quyết lại.",
    "withdrawn_after_explanation": "Sau khi được giải thích, đối thoại, người khiếu nại đã tự "
                                   "nguyện rút đơn.",
    "denunciation_right": "Tố cáo đúng. Kiến nghị xử lý kỷ luật người vi phạm và thu hồi số "
                          "tiền sai phạm về ngân sách.",
    "denunciation_wrong": "Tố cáo sai. Không có căn cứ kết luận người bị tố cáo vi phạm.",
    "denunciation_partly_right": "Tố cáo đúng một phần. Yêu cầu kiểm điểm, rút kinh nghiệm đối "
                                 "với cá nhân có liên quan.",
    "answered": "Đã có văn bản trả lời kiến nghị, phản ánh của công dân.",
}
OUTCOME_WEIGHTS = {
    ("complaint", 1): (("wrong", 50), ("partly_right", 22), ("right", 20),
                       ("withdrawn_after_explanation", 8)),
    ("complaint", 2): (("upheld", 70), ("annulled", 20), ("withdrawn_after_explanation", 10)),
    ("denunciation", None): (("denunciation_wrong", 45), ("denunciation_partly_right", 30),
                             ("denunciation_right", 25)),
    ("recommendation", None): (("answered", 1),),
    ("feedback", None): (("answered", 1),),
}
GUIDANCE = (
    "Hướng dẫn công dân gửi đơn đến Tòa án nhân dân khu vực để giải quyết tranh chấp dân sự.",
    "Hướng dẫn công dân liên hệ Bảo hiểm xã hội thành phố để được giải quyết chế độ.",
    "Nội dung thuộc thẩm quyền của cơ quan thi hành án dân sự; đã hướng dẫn công dân.",
    "Hướng dẫn công dân nộp hồ sơ tại bộ phận một cửa theo thủ tục hành chính.",
)
FORWARD_BODIES = ("Công an thành phố Hải Phòng", "Tòa án nhân dân thành phố Hải Phòng",
                  "Viện kiểm sát nhân dân thành phố Hải Phòng",
                  "Bảo hiểm xã hội thành phố Hải Phòng", "Cục Thuế thành phố Hải Phòng")
FILING = (("duplicate", "Đơn trùng nội dung đã được thụ lý, giải quyết."),
          ("illegible", "Đơn không rõ nội dung, không có thông tin liên hệ để làm rõ."),
          ("time_barred", "Đã hết thời hiệu khiếu nại theo Luật Khiếu nại Điều 9."),
          ("final", "Vụ việc đã được giải quyết đúng chính sách, pháp luật, không có tình tiết "
                    "mới."),
          ("not_eligible", "Đơn không đủ điều kiện xử lý theo Thông tư 05/2021/TT-TTCP."))


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


def _competent(field_code: str, template: Template, kind: str, round_: int | None,
               locality: str | None, communes: set[str]) -> str:
    """The agency competent for a case (mirrors the demo routing rules)."""
    if kind == "complaint" and round_ == 2:
        return CITY  # second complaints go one level up: the city chair
    if kind == "denunciation" and field_code in ("corruption", "officials_conduct"):
        return INSPECTORATE
    if template.agency:
        return template.agency
    if (field_code in COMMUNE_FIELDS and kind in ("complaint", "feedback", "denunciation")
            and locality and commune_code(locality) in communes):
        return commune_code(locality)
    return FIELD_AGENCY[field_code]


def _doc_number(rng: random.Random, kind: str, agency_code: str) -> str:
    if agency_code.startswith("UBND-"):
        short = "UBND"
    elif agency_code == INSPECTORATE:
        short = "TTr"
    else:
        short = DEPARTMENTS.get(agency_code, ("", "", agency_code))[2]
    doc = {"complaint": "QĐ", "denunciation": "KL"}.get(kind, "TB")
    return f"{rng.randint(12, 980)}/{doc}-{short}"


def _figures(rng: random.Random, field_code: str, outcome: str) -> dict:
    if outcome in ("right", "partly_right", "annulled") and field_code in ("land",
                                                                           "compensation"):
        return {"land_to_return": Decimal(rng.randint(20, 400)),
                "money_to_return": Decimal(rng.randint(5, 900)), "people_restored": 1}
    if outcome in ("right", "partly_right"):
        return {"people_restored": 1}
    if outcome in ("denunciation_right", "denunciation_partly_right"):
        people = rng.randint(1, 3)
        # Officials are among the people recommended for discipline (domain.decisions).
        figures = {"money_to_recover": Decimal(rng.randint(10, 2500)),
                   "officials_disciplined": rng.randint(1, min(2, people)),
                   "people_disciplined": people}
        if outcome == "denunciation_right" and rng.random() < 0.2:
            figures.update(sent_to_investigation=True, people_sent_to_investigation=1)
        return figures
    return {}


# --------------------------------------------------------------------------------------
# Story cases, through the services
# --------------------------------------------------------------------------------------


@dataclass
class StoryResult:
    cases: int = 0
    statuses: Counter = field(default_factory=Counter)
    samples: list[tuple[str, str]] = field(default_factory=list)  # (tracking code, PIN)


class _Track:
    """One case being told: its current day and a clock that only moves forward."""

    def __init__(self, case: Case, day: date, moment: datetime, field_code: str,
                 template: Template):
        self.case, self.day, self.last = case, day, moment
        self.field_code, self.template = field_code, template


class _Storyteller:
    def __init__(self, today: date, now: datetime, rng: random.Random, batch: int):
        self.today, self.now, self.rng, self.batch = today, now, rng, batch
        self.cal = get_calendar()
        self.users = {u.username: u for u in db.session.scalars(select(User).order_by(User.id))}
        self.reception = self.users["reception"]
        self.heads: dict[str, User] = {}
        self.officers: dict[str, str] = {}
        for user in self.users.values():
            if user.agency is None:
                continue
            if user.role == "agency_head":
                self.heads.setdefault(user.agency.code, user)
            elif user.role == "agency_officer":
                self.officers.setdefault(user.agency.code, user.username)
        self.communes = {a for a in self.heads if a.startswith("UBND-") and a != CITY}
        wards = db.session.scalars(select(Locality).where(
            Locality.province_code == PROVINCE_CODE, Locality.level == "commune"))
        self.wards = {w.code: w for w in wards}
        self.commune_wards = sorted(c.removeprefix("UBND-") for c in self.communes)
        self.other_wards = sorted(set(self.wards) - set(self.commune_wards))
        self.result = StoryResult()
        self._routable: dict[tuple, bool] = {}
        self.case_ids: list[int] = []

    # -- time -------------------------------------------------------------------------

    def _moment(self, day: date, after: datetime | None = None) -> datetime:
        """A time of that (local) working day, after `after`, never past `now`."""
        moment = datetime.combine(day, time(7, 30), LOCAL_TZ) + timedelta(
            minutes=self.rng.randrange(0, 570))
        moment = moment.astimezone(timezone.utc)
        if after is not None and moment <= after:
            moment = after + timedelta(minutes=self.rng.randint(2, 25))
        return min(moment, self.now)

    def _received_day(self, days_ago: tuple[int, int]) -> date:
        day = self.today - timedelta(days=self.rng.randint(*days_ago))
        while not self.cal.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def _later(self, track: _Track, lo: int, hi: int) -> date | None:
        """The working day lo..hi working days after the track's day; None if in the future."""
        day = self.cal.add_working_days(track.day, self.rng.randint(lo, hi))
        return None if day > self.today else day

    def _act(self, track: _Track, day: date | None,
             action: Callable[[datetime, date], object]) -> bool:
        if day is None or day > self.today:
            return False
        day = max(day, track.day)
        track.last = self._moment(day, track.last)
        moves = len(track.case.routings)
        action(track.last, day)
        track.day = day
        for move in track.case.routings[moves:]:
            move.created_at = track.last  # the simulated moment, not the wall clock
        return True

    # -- people -----------------------------------------------------------------------

    def _person(self, ward: str | None, representative: bool = False) -> PetitionerData:
        name, female = _person_name(self.rng)
        locality = self.wards.get(ward) if ward else None
        return PetitionerData(
            full_name=name, id_number=_id_number(self.rng, female), phone=_phone(self.rng),
            email=(f"{fold(name).replace(' ', '.')}{self.rng.randint(1, 99)}@gmail.com"
                   if self.rng.random() < 0.2 else None),
            address=_address(self.rng, locality.name if locality else None),
            is_representative=representative)

    def _ward(self, local_share: float = 0.7) -> str:
        pool = self.commune_wards if self.rng.random() < local_share else self.other_wards
        return self.rng.choice(pool or self.commune_wards)

    # -- intake -----------------------------------------------------------------------

    def _receive(self, days_ago: tuple[int, int], *, kind: str | None = None,
                 kinds: Sequence[str] | None = None, field_code: str | None = None,
                 template: Template | None = None, ward: str | None = None,
                 petitioners: list[PetitionerData] | None = None, round_: int | None = None,
                 parent: Case | None = None, received_on: date | None = None,
                 channel: str | None = None, eligible: bool = True,
                 is_complex: bool | None = None, also: Template | None = None) -> _Track:
        """Log a letter as a new case; `also`: a second content the letter raises."""
        rng = self.rng
        if template is None:
            kind = kind or (rng.choice(kinds) if kinds else _weighted(rng, KIND_WEIGHTS))
            choices = [(f, t) for f, t in BY_KIND[kind] if field_code in (None, f)]
            field_code, template = rng.choice(choices)
        kind = template.kind
        ward = ward or self._ward()
        day = received_on or self._received_day(days_ago)
        place = self.wards[ward].name if ward in self.wards else "thành phố Hải Phòng"
        if kind == "complaint":
            round_ = round_ or 1
        if is_complex is None:
            is_complex = kind == "denunciation" and rng.random() < 0.25
        data = CaseData(
            kind=kind, field_code=field_code, subject=template.subject,
            content=template.content.format(place=place) + (
                " " + also.content.format(place=place) if also else ""), locality_code=ward,
            complaint_round=round_ if kind == "complaint" else None,
            parent_tracking_code=parent.tracking_code if parent else None,
            is_complex=is_complex, is_remote=ward in REMOTE_WARDS,
            petition=PetitionData(
                channel=channel or _weighted(rng, (("walk_in", 35), ("mail", 25),
                                                    ("online", 20), ("hotline", 8),
                                                    ("reception_session", 7),
                                                    ("forwarded", 5))),
                received_on=day, petitioners=petitioners or [self._person(ward)],
                eligible=eligible))
        moment = self._moment(day)
        case, pin = intake.receive_case(data, self.reception, moment, day)
        case.created_at = moment
        for petition in case.petitions:
            petition.created_at = moment
        if len(self.result.samples) < 3:
            self.result.samples.append((case.tracking_code, pin))
        self.result.cases += 1
        self.case_ids.append(case.id)
        return _Track(case, day, moment, field_code, template)

    def _competent(self, track: _Track) -> str:
        case = track.case
        return _competent(track.field_code, track.template, case.kind, case.complaint_round,
                          case.locality_code, self.communes)

    # -- actions ----------------------------------------------------------------------

    def _head(self, track: _Track) -> User:
        return self.heads[track.case.agency.code]

    def _has_acceptance_policy(self, t: _Track) -> bool:
        """Routing starts an acceptance clock: only route kinds the policy table covers."""
        key = (t.case.kind, t.case.complaint_round)
        if key not in self._routable:
            try:
                deadlines.policy_for(t.case, "acceptance", t.day)
                self._routable[key] = True
            except LookupError:
                logger.warning("demo: no acceptance policy for %s; such cases stay at "
                               "reception", t.case.kind)
                self._routable[key] = False
        return self._routable[key]

    def route(self, t: _Track, code: str | None = None, lo: int = 1, hi: int = 6) -> bool:
        if not self._has_acceptance_policy(t):
            return False
        code = code or self._competent(t)
        if self.rng.random() < 0.1:
            lo, hi = 8, 14  # handled late at reception
        return self._act(t, self._later(t, lo, hi), lambda now, day: workflow.route(
            t.case, code, self.reception, now, day, decided_on=day,
            reason="Chuyển cơ quan có thẩm quyền giải quyết"))

    def accept(self, t: _Track, lo: int = 1, hi: int = 5) -> bool:
        if self.rng.random() < 0.1:
            hi += 6  # accepted late
        return self._act(t, self._later(t, lo, hi), lambda now, day: workflow.accept(
            t.case, self._head(t), now, day, decided_on=day))

    def assign(self, t: _Track) -> bool:
        code = t.case.agency.code
        officer = self.officers.get(code, self.heads[code].username)
        return self._act(t, self._later(t, 0, 2), lambda now, day: workflow.assign(
            t.case, officer, self._head(t), now))

    def extend(self, t: _Track) -> bool:
        case = t.case
        row = case.deadline("resolution")
        rule, _ = deadlines.policy_for(case, "resolution", row.start_on)
        if case.extension_count >= rule.max_extensions or rule.extension_days <= 0:
            return False
        day = row.due_on - timedelta(days=self.rng.randint(1, 4))
        while not self.cal.is_working_day(day):
            day -= timedelta(days=1)
        days = self.rng.randint(max(1, rule.extension_days // 2), rule.extension_days)
        return self._act(t, max(day, t.day), lambda now, d: workflow.extend(
            case, days, "Vụ việc phức tạp, cần xác minh thêm tại nhiều địa điểm",
            self._head(t), now, d, decided_on=d))

    def resolve(self, t: _Track, outcome: str | None = None, late: bool = False) -> bool:
        case, rng = t.case, self.rng
        row = case.deadline("resolution")
        span = max((row.due_on - case.accepted_on).days, 2)
        factor = rng.uniform(1.05, 1.6) if late or rng.random() < 0.12 else rng.uniform(0.3,
                                                                                       0.95)
        day = self.cal.next_working_day(case.accepted_on + timedelta(days=int(span * factor)))
        outcome = outcome or _weighted(rng, OUTCOME_WEIGHTS[(case.kind, case.complaint_round)])
        number = _doc_number(rng, case.kind, case.agency.code)
        figures = _figures(rng, t.field_code, outcome)
        return self._act(t, day, lambda now, d: workflow.resolve(
            case, outcome, number, SUMMARIES[outcome], self._head(t), now, d, decided_on=d,
            figures=figures))

    def close(self, t: _Track) -> bool:
        return self._act(t, self._later(t, 1, 10), lambda now, day: workflow.close(
            t.case, self._head(t), now, day))

    def return_case(self, t: _Track, suggested: str, lo: int = 1, hi: int = 5) -> bool:
        reason = (f"Nội dung đơn không thuộc thẩm quyền giải quyết của "
                  f"{t.case.agency.name}; đề nghị chuyển cơ quan có thẩm quyền.")
        return self._act(t, self._later(t, lo, hi), lambda now, day: workflow.return_case(
            t.case, reason, suggested, self._head(t), now, day, decided_on=day))

    def transfer(self, t: _Track, to: str, reason: str) -> bool:
        if not self._has_acceptance_policy(t):
            return False
        return self._act(t, self._later(t, 1, 5), lambda now, day: workflow.transfer(
            t.case, to, reason, self._head(t), now, day, decided_on=day))

    # -- stories ----------------------------------------------------------------------

    def story_reception(self) -> None:
        self._receive((0, 16))

    def story_routed(self) -> None:
        t = self._receive((3, 25))
        self.route(t)

    def story_in_progress(self) -> None:
        # Most are on time; about a third were accepted long ago and are now overdue.
        t = self._receive((8, 40) if self.rng.random() < 0.65 else (40, 150))
        if self.route(t) and self.accept(t):
            self.assign(t)

    def story_extended(self) -> None:
        kind = self.rng.choice(("recommendation", "feedback", "denunciation"))
        t = self._receive((25, 70), kind=kind, is_complex=True)
        if self.route(t) and self.accept(t) and self.assign(t) and self.extend(t):
            if self.rng.random() < 0.5:
                self.resolve(t)

    def story_suspended(self) -> None:
        t = self._receive((40, 150), kind="complaint")
        if not (self.route(t) and self.accept(t) and self.assign(t)):
            return
        if not self._act(t, self._later(t, 3, 10), lambda now, day: workflow.suspend(
                t.case, "Chờ kết quả trưng cầu giám định, đo đạc lại hiện trạng thửa đất",
                self._head(t), now, day, decided_on=day)):
            return
        if self.rng.random() < 0.6:
            self._act(t, self._later(t, 8, 20), lambda now, day: workflow.resume(
                t.case, self._head(t), now, day, decided_on=day))

    def story_resolved(self) -> None:
        t = self._receive((35, 170))
        if self.route(t) and self.accept(t) and self.assign(t):
            self.resolve(t)

    def story_closed(self) -> None:
        t = self._receive((50, 182))
        if self.route(t) and self.accept(t) and self.assign(t) and self.resolve(t):
            self.enforce(t)
            self.close(t)

    def enforce(self, t: _Track) -> bool:
        """Record the decision's enforcement (05/KQTH), most often in full, before closing."""
        case = t.case
        if not enforcement.has_something_to_enforce(case):
            return False
        share = Decimal(1) if self.rng.random() < 0.7 else Decimal("0.5")
        figures = {done: (getattr(case, due) * share).quantize(Decimal("0.01"))
                   for done, due in enforcement_rules.AMOUNTS.items() if getattr(case, due)}
        figures.update(people_disciplined=case.people_disciplined or 0,
                       officials_disciplined=case.officials_disciplined or 0,
                       cases_prosecuted=1 if case.sent_to_investigation else 0,
                       people_prosecuted=case.people_sent_to_investigation or 0)
        return self._act(t, self._later(t, 3, 20), lambda now, day: enforcement.enforce(
            case, day, figures, None, self._head(t), now, day))

    def story_filed(self) -> None:
        t = self._receive((2, 180), eligible=self.rng.random() < 0.5)
        reason, note = self.rng.choice(FILING)
        self._act(t, self._later(t, 1, 5), lambda now, day: workflow.file_away(
            t.case, reason, self.reception, now, day, note=note, decided_on=day))

    def story_anonymous(self) -> None:
        ward = self._ward()
        t = self._receive((2, 150), kind="denunciation", ward=ward, eligible=False,
                          petitioners=[PetitionerData(full_name="Không ghi họ tên")],
                          channel="mail")
        self._act(t, self._later(t, 1, 4), lambda now, day: workflow.file_away(
            t.case, "anonymous", self.reception, now, day,
            note="Đơn tố cáo không rõ họ tên, địa chỉ người tố cáo (Luật Tố cáo Điều 25).",
            decided_on=day))

    def story_guided(self) -> None:
        t = self._receive((2, 180), kinds=("complaint", "recommendation", "feedback"))
        reason = self.rng.choice(GUIDANCE)
        self._act(t, self._later(t, 0, 4), lambda now, day: workflow.guide(
            t.case, reason, self.reception, now, day, decided_on=day))

    def story_forwarded(self) -> None:
        t = self._receive((2, 180))
        body = self.rng.choice(FORWARD_BODIES)
        self._act(t, self._later(t, 1, 5), lambda now, day: workflow.forward(
            t.case, body, self.reception, now, day, decided_on=day,
            reason="Không thuộc thẩm quyền của cơ quan hành chính nhà nước thành phố"))

    def story_refused(self) -> None:
        t = self._receive((8, 170), kind="complaint")
        if self.route(t):
            self._act(t, self._later(t, 1, 5), lambda now, day: workflow.refuse(
                t.case, "Quyết định hành chính bị khiếu nại đã có quyết định giải quyết khiếu "
                        "nại lần hai (Luật Khiếu nại Điều 11).",
                self._head(t), now, day, decided_on=day))

    def story_withdrawn(self) -> None:
        t = self._receive((5, 170), kinds=("complaint", "denunciation"))
        reason = "Người đứng đơn có đơn xin rút sau khi được giải thích."
        if self.rng.random() < 0.4:
            self._act(t, self._later(t, 1, 4), lambda now, day: workflow.withdraw(
                t.case, reason, self.reception, now, day, decided_on=day))
        elif self.route(t) and self.accept(t):
            self._act(t, self._later(t, 3, 15), lambda now, day: workflow.withdraw(
                t.case, reason, self._head(t), now, day, decided_on=day))

    def story_returned(self, reroute: bool = False) -> None:
        """Routed to the wrong agency, returned; re-routed (and handled) when `reroute`."""
        t = self._receive((8, 40) if not reroute else (25, 170),
                          kinds=("complaint", "recommendation", "feedback"))
        right = self._competent(t)
        wrong = CONFUSED_WITH.get(right) or FIELD_AGENCY[t.field_code]
        if wrong == right:
            wrong = "SO-NV" if right != "SO-NV" else "SO-TP"
        if not (self.route(t, wrong) and self.return_case(t, right)):
            return
        if reroute and self.route(t, right, 1, 3) and self.accept(t) and self.assign(t):
            if self.rng.random() < 0.6:
                self.resolve(t)

    def story_rerouted(self) -> None:
        self.story_returned(reroute=True)

    def story_moved_after_acceptance(self) -> None:
        """Accepted by the wrong department, which found out while verifying and transferred
        it: that acceptance stays on its scorecard (models.StageSpell)."""
        t = self._receive((30, 150), kind="complaint")
        right = self._competent(t)
        wrong = CONFUSED_WITH.get(right) or FIELD_AGENCY[t.field_code]
        if wrong == right:
            wrong = "SO-NV" if right != "SO-NV" else "SO-TP"
        if not (self.route(t, wrong) and self.accept(t) and self.transfer(
                t, right, "Qua xác minh, nội dung thuộc thẩm quyền giải quyết của cơ quan "
                          "khác.")):
            return
        if self.accept(t):
            self.assign(t)

    def story_split(self) -> None:
        """One letter, two contents: a complaint about a land recovery that also reports
        public land encroached. The desk splits the report into a case of its own (tách
        đơn, services/splitting.py); each goes to its agency."""
        complaint, report = TEMPLATES["land"][0], TEMPLATES["land"][2]
        ward = self.rng.choice(self.commune_wards)
        place = self.wards[ward].name
        t = self._receive((15, 120), template=complaint, field_code="land", ward=ward,
                          also=report)
        made: list = []

        def split(now: datetime, day: date) -> None:
            made.extend(splitting.split_case(t.case, splitting.SplitData(
                kind=report.kind, field_code="land", subject=report.subject,
                content=report.content.format(place=place),
                kept_content=complaint.content.format(place=place)), self.reception, now, day))

        if not self._act(t, t.day, split):
            return
        part_case = made[0]
        part_case.created_at = t.last
        self.result.cases += 1
        self.case_ids.append(part_case.id)
        part = _Track(part_case, t.day, t.last, "land", report)
        if self.route(t) and self.accept(t):
            self.assign(t)
        if self.route(part) and self.accept(part):
            self.assign(part)

    def story_pingpong(self) -> None:
        """Transferred A → B → A: the pattern the evasion check looks for."""
        field_code = self.rng.choice(("compensation", "construction", "social_policy"))
        t = self._receive((25, 120), kind="complaint", field_code=field_code,
                          ward=self.rng.choice(self.other_wards or self.commune_wards))
        a = self._competent(t)
        b = PING_PONG.get(a, "SO-NV")
        if not (self.route(t, a) and self.transfer(
                t, b, f"Nội dung liên quan đến chức năng của {DEPARTMENTS[b][0]}.")):
            return
        if self.transfer(t, a, "Không thuộc thẩm quyền; chuyển trả cơ quan chủ trì giải quyết."):
            if self.accept(t):
                self.assign(t)

    def story_repeat(self) -> None:
        """A petitioner writes again on the same matter: the petition joins the case."""
        ward = self._ward()
        person = self._person(ward)
        t = self._receive((20, 150), kind="complaint", ward=ward, petitioners=[person])
        again = PetitionerData(**vars(person))
        if not self._act(t, self._later(t, 3, 12), lambda now, d: intake.add_petition(
                t.case, PetitionData(channel="mail", received_on=d, petitioners=[again]),
                self.reception, now, d)):
            return
        if self.route(t, lo=0, hi=3) and self.accept(t):
            self.assign(t)

    def story_group(self) -> None:
        """A group petition: six signers who chose two representatives (Art. 29)."""
        ward = self.rng.choice(self.commune_wards)
        signers = [self._person(ward, representative=i < 2) for i in range(6)]
        t = self._receive((35, 70), field_code="compensation", template=TEMPLATES[
            "compensation"][0], ward=ward, petitioners=signers, channel="walk_in",
            is_complex=True)
        if self.route(t, "SO-TNMT", 1, 2) and self.accept(t, 1, 3):
            self.assign(t)

    def story_second_round(self) -> None:
        """A first complaint decided and closed, then a second complaint one level up."""
        ward = self.rng.choice(self.commune_wards)
        person = self._person(ward)
        template = TEMPLATES["land"][self.rng.randint(0, 1)]
        first = self._receive((160, 185), field_code="land", template=template, ward=ward,
                              petitioners=[person])
        if not (self.route(first, lo=1, hi=3) and self.accept(first, 1, 3)
                and self.assign(first) and self.resolve(first, outcome="wrong")):
            return
        self.close(first)
        day = self._later(first, 5, 20)
        if day is None:
            return
        second = self._receive((0, 0), field_code="land", template=template, ward=ward,
                               petitioners=[PetitionerData(**vars(person))], round_=2,
                               parent=first.case, received_on=day, channel="walk_in")
        if self.route(second, CITY, 1, 4) and self.accept(second) and self.assign(second):
            if self.rng.random() < 0.5:
                self.resolve(second)

    # -- the whole story --------------------------------------------------------------

    RANDOM = (("reception", 8), ("routed", 10), ("in_progress", 17), ("extended", 4),
              ("suspended", 2), ("resolved", 11), ("closed", 18), ("filed", 5), ("guided", 5),
              ("forwarded", 2), ("refused", 2), ("withdrawn", 4), ("returned", 3),
              ("rerouted", 3), ("pingpong", 2), ("repeat", 3), ("anonymous", 1))

    def plan(self, count: int) -> list[str]:
        """The stories to tell: the showcase ones first, then a weighted random mix."""
        pairs = max(1, count // 60)
        showcase = (["group"] + ["second_round"] * pairs + ["rerouted"] * max(1, count // 40)
                    + ["pingpong"] * max(1, count // 60) + ["anonymous"] * max(1, count // 80)
                    + ["moved_after_acceptance"] * max(1, count // 80)
                    + ["split"] * max(1, count // 100))
        plan, used = [], 0
        for name in showcase:
            size = 2 if name in ("second_round", "split") else 1
            if used + size > count:
                break
            plan.append(name)
            used += size
        plan += [_weighted(self.rng, self.RANDOM) for _ in range(count - used)]
        self.rng.shuffle(plan)
        return plan

    def tell(self, count: int, progress: Callable[[int], None] | None = None) -> StoryResult:
        for i, name in enumerate(self.plan(count), 1):
            getattr(self, f"story_{name}")()
            if i % self.batch == 0:
                db.session.commit()
            if progress:
                progress(1)
        db.session.commit()
        self.result.statuses = Counter(dict(db.session.execute(
            select(Case.status, func.count()).where(Case.id.in_(self.case_ids))
            .group_by(Case.status)).all()))
        return self.result


def load_story(count: int, today: date, now: datetime, rng: random.Random,
               batch: int = 25, progress: Callable[[int], None] | None = None) -> StoryResult:
    """Tell `count` cases through the services, dated over the ~6 months before `today`."""
    if count <= 0:
        return StoryResult()
    return _Storyteller(today, now, rng, batch).tell(count, progress)


# --------------------------------------------------------------------------------------
# Leaders' citizen-reception days
# --------------------------------------------------------------------------------------

RECEPTION_HELD_SHARE = 0.85  # of the required days a demo leader actually held


def load_reception_sessions(today: date, now: datetime, rng: random.Random,
                            months: int = 6) -> int:
    """Record, through the service, the reception days each agency head held over the
    last `months`: most of the required ones (weekly for a commune chair, monthly for the
    city chair and department heads), so the compliance view shows leaders both above and
    below the rule. Agencies that already have sessions are left alone (idempotent)."""
    from complaints.domain.scoring import RECEPTION_FREQUENCY
    from complaints.services import reception_sessions as sessions

    calendar = get_calendar()
    start = today - timedelta(days=30 * months)
    recorded = {a for (a,) in db.session.execute(select(ReceptionSession.agency_id).distinct())}
    heads = db.session.execute(
        select(User, Agency).join(Agency, User.agency_id == Agency.id)
        .where(User.role == "agency_head", User.active.is_(True))
        .order_by(Agency.id, User.id)).all()
    count, seen = 0, set()
    for head, agency in heads:
        frequency = RECEPTION_FREQUENCY.get(agency.level)
        if frequency is None or agency.id in recorded or agency.id in seen:
            continue
        seen.add(agency.id)
        held_share = RECEPTION_HELD_SHARE if rng.random() < 0.7 else 0.5  # some lag behind
        step = 7 if frequency == "week" else 30
        first = start
        while first + timedelta(days=step) <= today:
            if rng.random() < held_share:
                days = [first + timedelta(days=i) for i in range(step)
                        if calendar.is_working_day(first + timedelta(days=i))]
                if days:
                    turns = rng.randint(0, 6)
                    sessions.record_session(sessions.SessionData(
                        held_on=rng.choice(days), kind="head",
                        leader_name=f"{head.full_name}, " + (
                            "Chủ tịch" if agency.level in ("commune", "province")
                            else "Thủ trưởng cơ quan"),
                        place=f"Nơi tiếp công dân, {agency.name}",
                        counts={"turns": turns, "people": turns + rng.randint(0, 3),
                                "matters_first": turns, "matters_repeated": 0}),
                        head, now, today)
                    count += 1
            first += timedelta(days=step)
    db.session.commit()
    return count


# --------------------------------------------------------------------------------------
# Bulk cases, with SQLAlchemy Core
# --------------------------------------------------------------------------------------

BULK_STATUSES = (("received", 18), ("routed", 17), ("accepted", 40), ("resolved", 10),
                 ("closed", 15))
ATTENTION_STATUSES = ("received", "routed", "accepted")  # those with a running deadline
DUE_SHARE = 0.10  # of all cases: next_attention_on <= today (due for the sweep)
CHANNELS = (("walk_in", 35), ("mail", 25), ("online", 20), ("hotline", 8),
            ("reception_session", 7), ("forwarded", 5))
PETITIONER_POOL = 50_000


class _Picker:
    """Fast weighted choice from precomputed cumulative weights."""

    def __init__(self, pairs: Sequence[tuple[object, float]]):
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.values[bisect(self.cum, rng.random() * self.total)]


@dataclass
class _StageDeadline:
    due_on: date
    days: int
    unit: str
    policy_id: int
    rule: str
    attention: date  # the sweep's first look (the reminder) while the stage runs


class _Deadlines:
    """Deadline rows computed once per (stage, kind, round, variant, start) and reused."""

    def __init__(self, today: date):
        self.today = today
        self.cal = get_calendar()
        rows = list(db.session.scalars(select(DeadlinePolicy)))
        self.rules = [PolicyRule(stage=r.stage, kind=r.kind, round=r.round or None,
                                 variant=r.variant, days=r.days, unit=r.unit,
                                 extension_days=r.extension_days,
                                 max_extensions=r.max_extensions,
                                 extension_unit=r.extension_unit,
                                 effective_from=r.effective_from, source=r.source)
                      for r in rows]
        self.ids = {rule: r.id for rule, r in zip(self.rules, rows, strict=True)}
        self.steps = deadlines.ladder()
        self._memo: dict[tuple, _StageDeadline] = {}
        self._pools: dict[tuple, tuple[list[date], list[date]]] = {}
        self._attention: dict[date, date] = {}
        first = today - timedelta(days=345)
        self.working = [first + timedelta(days=i) for i in range((today - first).days + 1)
                        if self.cal.is_working_day(first + timedelta(days=i))]

    def get(self, stage: str, kind: str, round_: int | None, variant: str,
            start: date) -> _StageDeadline | None:
        """The stage's deadline from `start`; None when no policy covers the stage."""
        key = (stage, kind, round_, variant, start)
        found = self._memo.get(key, False)
        if found is False:
            rule = select_policy(self.rules, stage, kind, round_, variant, start)
            if rule is None:
                self._memo[key] = None
                return None
            deadline = dl.compute_deadline(self.cal, stage, start, rule.days, rule.unit,
                                           rule.source)
            found = _StageDeadline(deadline.due_on, rule.days, rule.unit, self.ids[rule],
                                   deadline.explain("vi"), self._attention_on(deadline.due_on))
            self._memo[key] = found
        return found

    def covers(self, stage: str, kind: str, round_: int | None) -> bool:
        """Whether any policy covers the stage for the kind (some kinds skip acceptance)."""
        return self.get(stage, kind, round_, "normal", self.today) is not None

    def _attention_on(self, due_on: date) -> date | None:
        """As refresh_attention does for a case that has not been escalated yet."""
        if due_on not in self._attention:
            dates = self.steps.dates(self.cal, due_on)
            self._attention[due_on] = esc_rules.next_attention(dates, self.steps, -1)
        return self._attention[due_on]

    def starts(self, stage: str, kind: str, round_: int | None,
               variant: str) -> tuple[list[date], list[date]]:
        """Working days of the last year on which this stage, started, is (fresh, due)."""
        key = (stage, kind, round_, variant)
        pools = self._pools.get(key)
        if pools is None:
            fresh, due = [], []
            for day in self.working:
                attention = self.get(*key, day).attention
                target = due if attention is not None and attention <= self.today else fresh
                target.append(day)
            pools = self._pools[key] = (fresh or [self.today], due or self.working[:1])
        return pools


def _resolution_variant(is_complex: bool, is_remote: bool) -> str:
    if is_remote and is_complex:
        return "remote_complex"
    if is_remote:
        return "remote"
    return "complex" if is_complex else "normal"


@dataclass
class BulkResult:
    cases: int = 0
    due: int = 0
    province_built: bool = False
    statuses: Counter = field(default_factory=Counter)


class _BulkGenerator:
    def __init__(self, today: date, now: datetime, rng: random.Random):
        self.today, self.now, self.rng = today, now, rng
        self.deadlines = _Deadlines(today)
        self.fields = {f.code: f.id for f in db.session.scalars(select(Field))}
        agencies = list(db.session.scalars(select(Agency).where(Agency.active.is_(True))
                                           .order_by(Agency.id)))
        self.agencies = {a.code: a.id for a in agencies}
        self.codes = {a.id: a.code for a in agencies}
        self.fallback_agencies = [a.id for a in agencies if a.level != "province"] or [
            a.id for a in agencies]
        self.communes = {code for code in self.agencies if code.startswith("UBND-")
                         and code != CITY}
        reception = db.session.scalar(select(User).where(User.role == "reception")
                                      .order_by(User.id).limit(1))
        self.reception_id = reception.id if reception else None
        self.reception_agency_id = reception.agency_id if reception else None
        self.actor_label = audit.actor_label(reception)
        self.officers: dict[int, list[int]] = {}
        for user_id, agency_id in db.session.execute(
                select(User.id, User.agency_id).where(User.role == "agency_officer")
                .order_by(User.id)):
            self.officers.setdefault(agency_id, []).append(user_id)
        self.wards = {code: name for code, name in db.session.execute(
            select(Locality.code, Locality.name).where(
                Locality.province_code == PROVINCE_CODE, Locality.level == "commune"))}
        if not self.wards:
            self.wards = {code: name for code, name in db.session.execute(
                select(Locality.code, Locality.name).where(Locality.level == "commune")
                .limit(200))}
        self.status = _Picker(BULK_STATUSES)
        self.kind = _Picker(KIND_WEIGHTS)
        self.channel = _Picker(CHANNELS)
        self.templates = {kind: [(f, t) for f, t in pairs if f in self.fields]
                          for kind, pairs in BY_KIND.items()}
        self.outcomes = {key: _Picker(pairs) for key, pairs in OUTCOME_WEIGHTS.items()}
        attention_share = sum(w for s, w in BULK_STATUSES if s in ATTENTION_STATUSES) / sum(
            w for _, w in BULK_STATUSES)
        self.p_due = DUE_SHARE / attention_share
        self._content: dict[tuple[str, str], str] = {}
        self._moment_base: dict[date, datetime] = {}
        self._agency_memo: dict[tuple, int | None] = {}
        self.pool: list[tuple[int, str | None]] = []  # (petitioner id, locality)

    # -- helpers ----------------------------------------------------------------------

    def _agency_id(self, field_code: str, template: Template, kind: str, round_: int | None,
                   ward: str | None) -> int | None:
        key = (field_code, template, kind, round_, ward)
        if key not in self._agency_memo:
            code = _competent(field_code, template, kind, round_, ward, self.communes)
            agency_id = self.agencies.get(code)
            if agency_id is None and self.fallback_agencies:
                # Not the demo province: spread over the agencies that exist, reproducibly.
                pick = zlib.crc32(code.encode()) % len(self.fallback_agencies)
                agency_id = self.fallback_agencies[pick]
            self._agency_memo[key] = agency_id
        return self._agency_memo[key]

    def _content_for(self, template: Template, ward: str | None) -> str:
        key = (template.content, ward)
        text_ = self._content.get(key)
        if text_ is None:
            place = self.wards.get(ward, "thành phố Hải Phòng")
            text_ = self._content[key] = template.content.format(place=place)
        return text_

    def _moment(self, day: date) -> datetime:
        base = self._moment_base.get(day)
        if base is None:
            base = datetime.combine(day, time(7, 30), LOCAL_TZ).astimezone(timezone.utc)
            self._moment_base[day] = base
        moment = base + timedelta(seconds=self.rng.randrange(34_200))
        return moment if moment <= self.now else self.now

    def _back(self, day: date, lo: int, hi: int) -> date:
        """A working day lo..hi calendar days before `day` (or `day` itself for 0)."""
        day -= timedelta(days=self.rng.randint(lo, hi))
        cal = self.deadlines.cal
        while not cal.is_working_day(day):
            day -= timedelta(days=1)
        return day

    def _forward(self, day: date, lo: int, hi: int) -> date:
        later = self.deadlines.cal.next_working_day(day + timedelta(days=self.rng.randint(lo, hi)))
        if later <= self.today:
            return later
        # Past today: a day between the previous step and today, not today itself for all
        # (clamping piled ~9% of all completed stages on the generator's "today").
        return day + timedelta(days=self.rng.randint(0, max(0, (self.today - day).days)))

    # -- the petitioner pool ------------------------------------------------------------

    def make_pool(self, size: int) -> None:
        rng = self.rng
        start = (db.session.scalar(select(func.max(Petitioner.id))) or 0) + 1
        wards = sorted(self.wards)
        local = [w for w in wards if commune_code(w) in self.communes] or wards
        rows = []
        for pid in range(start, start + size):
            ward = rng.choice(local if rng.random() < 0.6 else wards) if wards else None
            name, female = _person_name(rng)
            rows.append({
                "id": pid, "full_name": name, "name_folded": fold(name),
                "id_number": _id_number(rng, female, serial=pid), "phone": _phone(rng),
                "email": None, "address": _address(rng, self.wards.get(ward)),
                "locality_code": ward, "created_at": self.now,
            })
            self.pool.append((pid, ward))
        for chunk in _chunks(rows, 10_000):
            db.session.execute(insert(Petitioner.__table__), chunk)

    # -- one chunk ----------------------------------------------------------------------

    def chunk(self, first_case_id: int, first_petition_id: int, size: int) -> dict:
        rng, today, dls = self.rng, self.today, self.deadlines
        cases, petitions, signers, rows, events = [], [], [], [], []
        statuses: Counter = Counter()
        due_count = 0
        for i in range(size):
            case_id, petition_id = first_case_id + i, first_petition_id + i
            status = self.status(rng)
            kind = self.kind(rng)
            field_code, template = rng.choice(self.templates[kind])
            round_ = (2 if rng.random() < 0.1 else 1) if kind == "complaint" else None
            if status == "routed" and not dls.covers("acceptance", kind, round_):
                status = "accepted"  # no acceptance clock for this kind: accepted at once
            petitioner_id, ward = self.pool[rng.randrange(len(self.pool))]
            channel = self.channel(rng)
            is_complex = rng.random() < 0.06
            is_remote = ward in REMOTE_WARDS
            due = status in ATTENTION_STATUSES and rng.random() < self.p_due
            agency_id = officer_id = None
            routed_on = accepted_on = resolved_on = closed_on = None
            attention = outcome = number = summary = on_time = None
            handling_variant = ("reception_session" if channel == "reception_session"
                                else "normal")
            resolution_variant = _resolution_variant(is_complex, is_remote)
            if status in ATTENTION_STATUSES:
                stage, variant = {"received": ("handling", handling_variant),
                                  "routed": ("acceptance", "normal"),
                                  "accepted": ("resolution", resolution_variant)}[status]
                fresh, overdue = dls.starts(stage, kind, round_, variant)
                start = rng.choice(overdue if due else fresh)
                if status == "received":
                    received_on = start
                elif status == "routed":
                    routed_on = start
                    received_on = self._back(routed_on, 0, 12)
                else:
                    accepted_on = start
                    routed_on = self._back(accepted_on, 0, 7)
                    received_on = self._back(routed_on, 0, 12)
            else:
                received_on = self._back(today, 25, 360)
                routed_on = self._forward(received_on, 1, 10)
                accepted_on = self._forward(routed_on, 1, 7)
                resolved_on = self._forward(accepted_on, 5, 50)
                if status == "closed":
                    closed_on = self._forward(resolved_on, 0, 15)
                outcome = self.outcomes[(kind, round_)](rng)
                number = None  # set below, once the agency is known
                summary = SUMMARIES[outcome]
            if routed_on is not None:
                agency_id = self._agency_id(field_code, template, kind, round_, ward)
                if outcome is not None:
                    number = _doc_number(rng, kind, self.codes.get(agency_id, ""))
            if accepted_on is not None:
                staff = self.officers.get(agency_id)
                if staff and rng.random() < 0.7:
                    officer_id = staff[rng.randrange(len(staff))]

            active = running = None
            for stage, variant, start, met_on in (
                    ("handling", handling_variant, received_on, routed_on),
                    ("acceptance", "normal", routed_on, accepted_on),
                    ("resolution", resolution_variant, accepted_on, resolved_on)):
                if start is None:
                    break
                deadline = dls.get(stage, kind, round_, variant, start)
                if deadline is None:
                    continue
                rows.append({"case_id": case_id, "stage": stage, "start_on": start,
                             "due_on": deadline.due_on, "days": deadline.days,
                             "unit": deadline.unit, "extended_days": 0,
                             "policy_id": deadline.policy_id, "rule": deadline.rule,
                             "met_on": met_on})
                active = deadline
                if met_on is None and (running is None or deadline.due_on < running):
                    running = deadline.due_on
                if stage == "resolution" and resolved_on is not None:
                    on_time = resolved_on <= deadline.due_on
            if status in ATTENTION_STATUSES and active is not None:
                attention = active.attention
                due_count += attention is not None and attention <= today

            moment = self._moment(received_on)
            cases.append({
                "id": case_id, "tracking_code": f"B{received_on.year}-{case_id:08d}",
                "running_due_on": running,
                "pin_hash": None, "kind": kind, "complaint_round": round_,
                "is_complex": is_complex, "is_remote": is_remote,
                "complex_on": received_on if is_complex else None,
                "field_id": self.fields[field_code], "subject": template.subject,
                "content": self._content_for(template, ward), "locality_code": ward,
                "status": status, "reception_agency_id": self.reception_agency_id,
                "agency_id": agency_id, "officer_id": officer_id, "received_on": received_on,
                "last_petition_on": received_on,
                "routed_on": routed_on, "accepted_on": accepted_on, "resolved_on": resolved_on,
                "closed_on": closed_on, "extension_count": 0, "next_attention_on": attention,
                "escalation_level": 0, "flag_overdue": False, "flag_evaded": False,
                "flag_repeated": False, "flag_mass": False, "outcome": outcome,
                "decision_number": number, "decision_on": resolved_on,
                "resolution_summary": summary, "resolved_on_time": on_time,
                "sent_to_investigation": False, "created_by_id": self.reception_id,
                "created_at": moment, "updated_at": moment,
            })
            petitions.append({
                "id": petition_id, "case_id": case_id, "channel": channel,
                "received_on": received_on, "received_by_id": self.reception_id,
                "eligible": True, "is_duplicate": False,
                "handling_outcome": "routed" if routed_on else None, "handled_on": routed_on,
                "created_at": moment,
            })
            signers.append({"petition_id": petition_id, "petitioner_id": petitioner_id,
                            "is_representative": False})
            chain = f"case:{case_id}"
            body = audit.canonical_json({
                "kind": kind, "channel": channel, "received_on": received_on, "signers": 1,
                "parent": None, "status": status, "bulk": True})
            events.append({
                "chain": chain, "seq": 1, "case_id": case_id, "actor_id": self.reception_id,
                "actor_label": self.actor_label, "action": "received", "data": body,
                "created_at": moment, "prev_hash": audit.GENESIS,
                "hash": audit.event_hash(audit.GENESIS, chain, 1, self.actor_label,
                                         "received", body, moment),
            })
            statuses[status] += 1
        return {"cases": cases, "petitions": petitions, "signers": signers,
                "deadlines": rows, "events": events, "statuses": statuses, "due": due_count}


def _chunks(rows: list, size: int) -> Iterator[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _next_id(model) -> int:
    return (db.session.scalar(select(func.max(model.id))) or 0) + 1


def _fix_sequences() -> None:
    """PostgreSQL: move the id sequences past the ids this loader chose itself."""
    if db.engine.dialect.name != "postgresql":
        return
    for table in ("cases", "petitions", "petitioners"):
        db.session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608  # nosec B608  # fixed table names
            f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


def load_bulk(count: int, today: date, now: datetime, rng: random.Random,
              chunk_size: int = 20_000, progress: bool = True) -> BulkResult:
    """Insert `count` synthetic cases fast (Core bulk inserts), for benchmarks."""
    result = BulkResult()
    if not db.session.scalar(select(func.count()).select_from(Agency)):
        build_province(now, rng)
        result.province_built = True
        db.session.commit()
    if count <= 0:
        return result
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("PRAGMA cache_size=-131072"))  # 128 MB for index updates
    gen = _BulkGenerator(today, now, rng)
    gen.make_pool(min(PETITIONER_POOL, max(200, count // 20)))
    db.session.commit()
    case_id, petition_id = _next_id(Case), _next_id(Petition)
    tables = (("cases", Case.__table__), ("petitions", Petition.__table__),
              ("signers", PetitionSigner.__table__), ("deadlines", CaseDeadline.__table__),
              ("events", AuditEvent.__table__))
    with tqdm(total=count, unit="case", unit_scale=True, disable=not progress,
              desc="demo cases") as bar:
        done = 0
        while done < count:
            size = min(chunk_size, count - done)
            batch = gen.chunk(case_id, petition_id, size)
            for key, table in tables:
                db.session.execute(insert(table), batch[key])
            db.session.commit()
            result.statuses.update(batch["statuses"])
            result.due += batch["due"]
            case_id += size
            petition_id += size
            done += size
            bar.update(size)
    _fix_sequences()
    db.session.commit()
    # Core inserts bypass the scorecard's dirty-day listener: recount its daily summary.
    scorecard_summary.rebuild(today)
    db.session.commit()
    result.cases = count
    return result


# --------------------------------------------------------------------------------------
# Entry points used by the CLI
# --------------------------------------------------------------------------------------


def prepare_reference_data(now: datetime) -> int:
    """Seed fields, policies and the ladder; load localities if there are none."""
    seed_reference_data(now)
    loaded = 0
    if not db.session.scalar(select(func.count()).select_from(Locality)):
        loaded, _ = load_localities()
    db.session.commit()
    return loaded


def database_has_data() -> bool:
    """True when any case or agency exists (then `--if-empty` leaves the database alone)."""
    return bool(db.session.scalar(select(func.count()).select_from(Case))
                or db.session.scalar(select(func.count()).select_from(Agency)))


def database_in_use() -> bool:
    """True when any case, agency or account exists: the demo's accounts, which share a
    published password (an admin among them), must not join a real installation unasked."""
    return database_has_data() or bool(db.session.scalar(select(func.count())
                                                         .select_from(User)))

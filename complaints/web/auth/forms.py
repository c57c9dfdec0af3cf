from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from complaints.web.forms import Form


class LoginForm(Form):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(_l("Nhập tên đăng nhập.")), Length(max=80)])
    password = PasswordField(_l("Mật khẩu"), validators=[
        DataRequired(_l("Nhập mật khẩu.")), Length(max=200)])


class PasswordForm(Form):
    """Change one's own password (passwords are never re-shown after an error)."""

    old_password = PasswordField(_l("Mật khẩu hiện tại"), validators=[
        DataRequired(_l("Nhập mật khẩu hiện tại.")), Length(max=200)])
    new_password = PasswordField(_l("Mật khẩu mới"), validators=[
        DataRequired(_l("Nhập mật khẩu mới.")), Length(max=200)])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"), validators=[
        DataRequired(_l("Nhập lại mật khẩu mới.")),
        EqualTo("new_password", _l("Hai lần nhập mật khẩu mới không khớp."))])


class CodeForm(Form):
    """A 6-digit code from the authenticator app."""

    code = StringField(_l("Mã xác thực (6 chữ số)"), validators=[
        DataRequired(_l("Nhập mã 6 chữ số trong ứng dụng xác thực.")),
        Regexp(r"^\s*\d{6}\s*$", message=_l("Mã xác thực gồm đúng 6 chữ số."))])


class EnrolForm(CodeForm):
    """Turn on two-factor sign-in: the password again, then a first code."""

    password = PasswordField(_l("Mật khẩu hiện tại"), validators=[
        DataRequired(_l("Nhập mật khẩu hiện tại.")), Length(max=200)])

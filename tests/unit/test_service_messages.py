"""The service and domain layers' user-facing messages stay translatable.

Services raise ValidationFailed / NotAllowed (and the domain InvalidTransition) with messages
that reach pages and API bodies. They cannot call Flask-Babel, so every message is marked
with ``N_`` (complaints/domain/messages.py) and translated by the web layer at render time.
A bare string literal or f-string there would be extracted by nobody and shown in Vietnamese
to English users: the scan below fails on one, naming the file and line.
"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

from complaints.domain.messages import N_, Message

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("complaints/services", "complaints/domain")
# Open311Error: its description reaches third-party apps, in the request's language too.
RAISED = {"ValidationFailed", "NotAllowed", "InvalidTransition", "StorageError",
          "Open311Error"}
# Operator-only messages, in English like all CLI output (`flask backup …`); never on a page.
EXEMPT = {"complaints/services/backup.py"}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_bare_text(node: ast.expr) -> bool:
    """A str literal, an f-string, "…" + x, or "…".format(…): text nobody translates."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(node.value.strip())
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        return _is_bare_text(node.left) or _is_bare_text(node.right)
    if isinstance(node, ast.Call) and _name(node.func) == "format":
        return isinstance(node.func, ast.Attribute) and _is_bare_text(node.func.value)
    return False


def _messages_of(call: ast.Call) -> list[ast.expr]:
    """The message expressions of an error's constructor call."""
    found = []
    for arg in [*call.args, *(k.value for k in call.keywords)]:
        if isinstance(arg, ast.Dict):
            found.extend(arg.values)
        elif isinstance(arg, ast.DictComp):
            found.append(arg.value)
        else:
            found.append(arg)
    return found


def unmarked_messages(source: str, filename: str) -> list[str]:
    """Return "file:line: text" for each unmarked message in a module's source."""
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        candidates: list[ast.expr] = []
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                and _name(node.exc.func) in RAISED:
            candidates = _messages_of(node.exc)
        elif isinstance(node, ast.Assign):
            # errors["field"] = "…" builds a ValidationFailed's dict before raising it.
            if any(isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name)
                   and t.value.id.endswith("errors") for t in node.targets):
                candidates = [node.value]
        for expr in candidates:
            if _is_bare_text(expr):
                text = ast.get_source_segment(source, expr) or ""
                problems.append(f"{filename}:{expr.lineno}: {text[:80]}")
    return problems


def _modules():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in EXEMPT:
                yield rel, path.read_text(encoding="utf-8")


def test_service_and_domain_errors_mark_their_messages():
    problems = [p for rel, source in _modules() for p in unmarked_messages(source, rel)]
    assert not problems, (
        "Wrap these messages in N_() (complaints/domain/messages.py); use %(name)s "
        "placeholders, N_(\"… %(n)s …\", n=value), instead of f-strings:\n  "
        + "\n  ".join(problems))


def test_the_scan_catches_what_it_should():
    """Guard the guard: literals, f-strings and concatenations fail; N_ passes."""
    bad = '''
def f(errors, n, x):
    raise ValidationFailed({"a": "Nhập họ và tên."})
    raise ValidationFailed({"a": f"Tối đa {n} ký tự."})
    raise NotAllowed("Chỉ cán bộ được làm.")
    raise NotAllowed("Mã: " + x)
    errors["b"] = "Chọn loại đơn."
    errors[x + "c"] = f"Tối đa {n}."
'''
    good = '''
def f(errors, n, x):
    raise ValidationFailed({"a": N_("Nhập họ và tên.")})
    raise ValidationFailed({"a": N_("Tối đa %(max)s ký tự.", max=n)})
    raise NotAllowed(N_("Chỉ cán bộ được làm."))
    raise ValidationFailed(errors)
    raise InvalidTransition(x, n)
    errors["b"] = N_("Chọn loại đơn.")
    message = "no error"
'''
    assert len(unmarked_messages(bad, "bad.py")) == 6
    assert unmarked_messages(good, "good.py") == []


def test_marker_returns_the_msgid_and_a_message_carries_its_values():
    assert N_("Nhập họ và tên.") == "Nhập họ và tên."
    assert type(N_("Nhập họ và tên.")) is str
    message = N_("Tối đa %(max)s ký tự.", max=200)
    assert isinstance(message, Message)
    assert message == "Tối đa 200 ký tự."  # the Vietnamese text, for logs and the CLI
    assert message.msgid == "Tối đa %(max)s ký tự."
    assert dict(message.params) == {"max": 200}
    with pytest.raises(AttributeError):
        message.msgid = "x"
    with pytest.raises(TypeError):
        message.params["max"] = 1
    again = pickle.loads(pickle.dumps(message))  # noqa: S301  (our own object)
    assert again == message and again.msgid == message.msgid

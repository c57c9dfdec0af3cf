"""Extension singletons, bound to an app in create_app()."""

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.dialects.sqlite.base import SQLiteCompiler
from sqlalchemy.orm import DeclarativeBase

# A naming convention makes every constraint name stable, so Alembic can alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _sqlite_from_hint(compiler, table, text):
    # SQLAlchemy renders `with_hint(..., "sqlite")` for no table: pass SQLite's own
    # "INDEXED BY" through, for the few reads whose index the planner does not pick.
    return text


SQLiteCompiler.get_from_hint_text = _sqlite_from_hint


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
# Storage comes from RATELIMIT_STORAGE_URI: memory:// for one process; in production a
# store shared by every worker (e.g. redis://…), see docs/deploy.md.
limiter = Limiter(key_func=get_remote_address)

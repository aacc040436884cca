from flask import Blueprint

from workspace.notifications import models as _models  # noqa: F401

bp = Blueprint("notifications", __name__)

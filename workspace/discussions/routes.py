from flask import Blueprint

from workspace.discussions import models as _models  # noqa: F401

bp = Blueprint("discussions", __name__)

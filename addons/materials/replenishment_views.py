from flask import Blueprint

bp = Blueprint("replenishment", __name__)

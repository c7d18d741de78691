from flask_smorest import Blueprint

api = Blueprint("replenishment", __name__, description="Materials: replenishment")

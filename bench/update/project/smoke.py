"""The benchmark project's test: imports the stack's main packages and exercises a little of
each (a Flask app with SQLAlchemy, login, JWT, forms and CORS; requests; celery's app object).
Plain Python, no pytest: the same command runs in tend's trial and in the manual pip cycle.
Exits non-zero on the first failure."""

import importlib.metadata

import celery
import cryptography.fernet
import flask
import flask_cors
import flask_jwt_extended
import flask_login
import flask_sqlalchemy
import flask_wtf
import jinja2
import PIL.Image
import redis
import requests
import sqlalchemy
import werkzeug

app = flask.Flask(__name__)
app.config.update(
    SQLALCHEMY_DATABASE_URI="sqlite://",
    SECRET_KEY="bench",
    JWT_SECRET_KEY="bench-secret-key-long-enough-for-hs256",
    WTF_CSRF_ENABLED=False,
)
db = flask_sqlalchemy.SQLAlchemy(app)
flask_cors.CORS(app)
flask_login.LoginManager(app)
jwt = flask_jwt_extended.JWTManager(app)


class Account(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    owner = db.Column(db.String(80), nullable=False)


@app.route("/accounts")
def accounts():
    return flask.jsonify([account.owner for account in Account.query.order_by(Account.id)])


with app.app_context():
    db.create_all()
    db.session.add_all([Account(owner="ada"), Account(owner="grace")])
    db.session.commit()
    token = flask_jwt_extended.create_access_token(identity="ada")
    assert flask_jwt_extended.decode_token(token)["sub"] == "ada"

response = app.test_client().get("/accounts", headers={"Origin": "https://example.com"})
assert response.status_code == 200, response.status_code
assert response.get_json() == ["ada", "grace"], response.get_json()
assert response.headers.get("Access-Control-Allow-Origin") in ("*", "https://example.com"), response.headers

key = cryptography.fernet.Fernet.generate_key()
assert cryptography.fernet.Fernet(key).decrypt(cryptography.fernet.Fernet(key).encrypt(b"x")) == b"x"
assert PIL.Image.new("RGB", (2, 2)).size == (2, 2)
assert requests.Request("GET", "https://example.com", params={"a": "1"}).prepare().url.endswith("?a=1")
assert celery.Celery("bench", broker="memory://").main == "bench"
assert redis.Redis is not None
assert jinja2.Template("{{ x }}").render(x=1) == "1"
print("ok: flask", importlib.metadata.version("flask"), "sqlalchemy", sqlalchemy.__version__)

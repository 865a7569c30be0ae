"""A small production DRF API with stock simplejwt: the "seed's own stack" that bench/django.ts measures Tessera against.

Everything that varies per run comes from the environment (bench/django.ts sets it): DJANGO_DATABASE_URL,
DJANGO_SECRET_KEY, DJANGO_DB_SCHEMA.
"""
import os
from datetime import timedelta
from urllib.parse import unquote, urlparse

SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

# Only what /token/ and /me/ use: auth (the User model, password hashing) and contenttypes (which auth needs).
# No admin, sessions or messages: a token API has no use for them.
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "sideproject.urls"
WSGI_APPLICATION = "sideproject.wsgi.application"

_database = urlparse(os.environ["DJANGO_DATABASE_URL"])
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(_database.path.lstrip("/")),
        "USER": unquote(_database.username or ""),
        "PASSWORD": unquote(_database.password or ""),
        "HOST": _database.hostname or "",
        "PORT": str(_database.port or ""),
        # Persistent connections, as a tuned deployment has: no connect per request.
        "CONN_MAX_AGE": None,
        # Django's tables in their own schema, beside Tessera's in the same database and the same Postgres.
        "OPTIONS": {"options": f"-c search_path={os.environ.get('DJANGO_DB_SCHEMA', 'django')}"},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = False

REST_FRAMEWORK = {
    # Stock simplejwt: verifies the token, then reads the user from the database on every request.
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only, as a production API serves: no browsable API.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
}
SIMPLE_JWT = {
    # Long enough that a token obtained at the start of `npm run bench` still verifies at its end.
    "ACCESS_TOKEN_LIFETIME": timedelta(hours=1),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # A 401 is an answer, not a server problem: no line per refused request (the readiness probe makes a few).
    "loggers": {"django.request": {"level": "ERROR"}},
}

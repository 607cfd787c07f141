"""A small Django project in one module: a login that concatenates SQL, run through
Django's own database layer (sqlite3 backend)."""

from __future__ import annotations

import django
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path


def configure(db_path: str) -> None:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": db_path}},
        INSTALLED_APPS=[],
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        USE_TZ=True,
        LOGGING_CONFIG=None,
    )
    django.setup()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS users (email TEXT, password TEXT, name TEXT)")
        cursor.execute("DELETE FROM users")
        cursor.execute("INSERT INTO users VALUES (%s, %s, %s)", ["alice@example.com", "wonderland", "Alice"])


def index(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM users")
        (count,) = cursor.fetchone()
    return HttpResponse(f"<p>{count} users</p>")


def login(request):
    email = request.POST.get("email", "")
    password = request.POST.get("password", "")
    with connection.cursor() as cursor:
        # VULNERABLE on purpose: concatenated SQL.
        cursor.execute("SELECT name FROM users WHERE email = '" + email + "' AND password = '" + password + "'")
        row = cursor.fetchone()
    if row is None:
        return HttpResponse("<p>Invalid credentials.</p>", status=401)
    return HttpResponse(f"<p>Welcome, {row[0]}!</p>")


def user(request, email):
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT name FROM users WHERE email = '{email}'")
            row = cursor.fetchone()
    except Exception:  # the app answers by itself, whatever happened
        return JsonResponse({"error": "lookup failed"}, status=500)
    return JsonResponse({"name": row[0] if row else None})


urlpatterns = [
    path("", index),
    path("login", login),
    path("users/<str:email>", user),
]

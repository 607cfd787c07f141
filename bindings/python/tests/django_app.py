"""A small Django project in one module: a login that concatenates SQL, run through
Django's own database layer (sqlite3 backend), and under /scenario/ the endpoints of
the shared attack scenario (scenario.py)."""

from __future__ import annotations

import subprocess
import urllib.request
from typing import Optional

import django
from django.conf import settings
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import path
from scenario import Site, ping_command
from scenario import login as scenario_login_query

#: The scenario's state, set by the test before it plays.
site: Optional[Site] = None


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


def scenario_login(request):
    name = scenario_login_query(site.db, request.POST.get("email", ""), request.POST.get("password", ""))
    if name is None:
        return HttpResponse("<p>Invalid credentials.</p>", status=401)
    return HttpResponse(f"<p>Welcome, {name}!</p>")


def scenario_ping(request):
    host = request.GET.get("host", "")
    done = subprocess.run(ping_command(host), shell=True, capture_output=True, text=True, timeout=10)
    return JsonResponse({"host": host, "output": done.stdout})


def scenario_download(request):
    try:
        with open(f"{site.files}/{request.GET.get('name', '')}", encoding="utf-8") as file:
            return HttpResponse(file.read(), content_type="text/plain; charset=utf-8")
    except FileNotFoundError:
        return HttpResponse("no such file", status=404)


def scenario_preview(request):
    url = request.GET.get("url") or site.metadata + request.GET.get("page", "/")
    with urllib.request.urlopen(url, timeout=10) as answer:
        return JsonResponse({"url": url, "preview": answer.read(200).decode("utf-8", "replace")})


def scenario_go(request):
    return HttpResponseRedirect(request.GET.get("next", "/"))


def scenario_lang(request):
    response = HttpResponse("<p>ok</p>")
    response["Content-Language"] = request.GET.get("lang", "en")
    return response


urlpatterns = [
    path("scenario/login", scenario_login),
    path("scenario/ping", scenario_ping),
    path("scenario/download", scenario_download),
    path("scenario/preview", scenario_preview),
    path("scenario/go", scenario_go),
    path("scenario/lang", scenario_lang),
    path("", index),
    path("login", login),
    path("users/<str:email>", user),
]

"""How requests become inputs: flattening, keys, limits, every source."""

from __future__ import annotations

import json

import rampart
from rampart.context import RequestContext
from rampart.inputs import Collector, Limits, body_kind


def collect(limits: Limits = None) -> Collector:
    return Collector(RequestContext(rampart.Engine()), limits or Limits())


def inputs(c: Collector):
    return [(s, k.decode(), v.decode()) for s, k, v in c.context.request.inputs()]


def test_json_is_flattened_with_dotted_keys_and_object_keys() -> None:
    c = collect()
    document = {"user": {"email": "a@x", "tags": ["x", 2, 1.5, True, None], "name' OR 1=1": 1}, "ids": [1, 2]}
    c.body("json", json.dumps(document).encode(), "application/json")
    # object members in key order
    assert inputs(c) == [
        ("body", "ids[0]", "1"),
        ("body", "ids[1]", "2"),
        ("body", "user.email", "a@x"),
        ("body", "user.name' OR 1=1", "name' OR 1=1"),  # an object key is an input too
        ("body", "user.name' OR 1=1", "1"),
        ("body", "user.tags[0]", "x"),
        ("body", "user.tags[1]", "2"),
        ("body", "user.tags[2]", "1.5"),
    ]


def test_limits() -> None:
    c = collect(Limits(max_depth=3))
    c.body("json", json.dumps({"a": {"b": {"c": {"d": "deep"}}, "s": "shallow"}}).encode(), "application/json")
    assert inputs(c) == [("body", "a.s", "shallow")]
    assert c.context.inputs_truncated

    c = collect(Limits(max_inputs=3))
    c.query_string(b"&".join(b"k%d=v" % i for i in range(100)))
    assert len(c.context.request) == 3 and c.context.inputs_truncated

    c = collect()
    hostile = b"[" * 100_000 + b"]" * 100_000  # far deeper than any parser should follow
    c.body("json", hostile, "application/json")
    assert len(c.context.request) == 0 and c.context.inputs_truncated  # cut at the depth limit

    c = collect()
    c.body("json", b"{not json", "application/json")
    assert len(c.context.request) == 0 and not c.context.inputs_truncated


def test_query_and_form() -> None:
    c = collect()
    c.query_string(b"a=1&b=%27+OR+1%3D1&c&=e&%E3%81%8A=%E8%8C%B6&sort=name%20desc&f%5Bname%27%5D=1")
    assert inputs(c) == [
        ("query", "a", "1"),
        ("query", "b", "' OR 1=1"),
        ("query", "c", ""),
        ("query", "", "e"),
        ("query", "お", "お"),  # not a plain word: the key is an input too
        ("query", "お", "茶"),
        ("query", "sort", "name desc"),
        ("query", "f[name']", "f[name']"),
        ("query", "f[name']", "1"),
    ]
    c = collect()
    c.body("form", b"email=a%40x&password=p+w", "application/x-www-form-urlencoded")
    assert inputs(c) == [("body", "email", "a@x"), ("body", "password", "p w")]


def test_multipart_fields_and_file_names() -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="title"\r\n\r\nO\'Brien\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="upload"; filename="../../etc/passwd"\r\n'
        b"Content-Type: application/octet-stream\r\n\r\n\x00\x01binary\r\n"
        b"--XyZ--\r\n"
    )
    c = collect()
    c.body("multipart", body, 'multipart/form-data; boundary="XyZ"')
    assert inputs(c) == [("body", "title", "O'Brien"), ("body", "upload.filename", "../../etc/passwd")]


def test_wsgi_environ() -> None:
    c = collect()
    c.wsgi(
        {
            "REQUEST_METHOD": "POST",
            "SCRIPT_NAME": "/shop",
            "PATH_INFO": "/caf\xc3\xa9",  # WSGI: UTF-8 bytes seen as latin-1
            "QUERY_STRING": "q=%27x",
            "HTTP_COOKIE": 'session=abc; theme="dark"; broken; x= y ',
            "HTTP_USER_AGENT": "curl/8",
            "HTTP_ACCEPT_ENCODING": "gzip",
            "HTTP_SEC_FETCH_MODE": "cors",
            "HTTP_X_TENANT": "t'1",
            "CONTENT_TYPE": "text/plain",
            "wsgi.input": None,
        }
    )
    request = c.context.request
    assert (request.method, request.path) == ("POST", "/shop/café")
    assert inputs(c) == [
        ("query", "q", "'x"),
        ("cookie", "session", "abc"),
        ("cookie", "theme", "dark"),
        ("cookie", "x", "y"),
        ("header", "user-agent", "curl/8"),
        ("header", "x-tenant", "t'1"),
    ]


def test_asgi_scope_and_path_params() -> None:
    c = collect()
    c.asgi(
        {
            "type": "http",
            "method": "GET",
            "root_path": "/api",
            "path": "/users/é",
            "query_string": b"id=1",
            "headers": [(b"Cookie", b"sid=s1"), (b"user-agent", b"tests"), [b"x-a", b"b"]],
        }
    )
    c.path_params({"id": 42, "slug": "a-b"})
    assert (c.context.request.method, c.context.request.path) == ("GET", "/api/users/é")
    assert inputs(c) == [
        ("query", "id", "1"),
        ("cookie", "sid", "s1"),
        ("header", "user-agent", "tests"),
        ("header", "x-a", "b"),
        ("path", "id", "42"),
        ("path", "slug", "a-b"),
    ]


def test_body_kinds() -> None:
    assert body_kind("application/x-www-form-urlencoded; charset=utf-8") == "form"
    assert body_kind("application/json") == "json"
    assert body_kind("application/vnd.api+json") == "json"
    assert body_kind("multipart/form-data; boundary=x") == "multipart"
    assert body_kind("text/plain") is None
    assert body_kind("") is None

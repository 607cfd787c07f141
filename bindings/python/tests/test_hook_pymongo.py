"""The pymongo hook against the real driver. No MongoDB server can be installed here
(Debian ships none, and the PyPI packages that provide one download it at run time),
so the client points at a closed port on 127.0.0.1: every call that reaches the
network fails with the driver's own ServerSelectionTimeoutError. The check runs before
any I/O, so a refused call fails at once with AttackBlocked: that difference is what
the test observes."""

from __future__ import annotations

import re

import pymongo
import pytest
import rampart
from conftest import free_port
from pymongo.errors import ServerSelectionTimeoutError

ATTACK = {"username": "admin", "password": {"$ne": ""}}
NORMAL = {"username": "alice", "password": "secret"}


@pytest.fixture(scope="module")
def users():
    client = pymongo.MongoClient(
        f"mongodb://127.0.0.1:{free_port()}/?directConnection=true", serverSelectionTimeoutMS=50, connect=False
    )
    yield client.shop.users
    client.close()


CALLS = {
    "find": lambda users, f: list(users.find(f)),
    "find_one": lambda users, f: users.find_one(f),
    "count_documents": lambda users, f: users.count_documents(f),
    "distinct": lambda users, f: users.distinct("email", f),
    "update_one": lambda users, f: users.update_one(f, {"$set": {"seen": True}}),
    "update_many": lambda users, f: users.update_many(filter=f, update={"$set": {"seen": True}}),
    "replace_one": lambda users, f: users.replace_one(f, {"x": 1}),
    "delete_one": lambda users, f: users.delete_one(f),
    "delete_many": lambda users, f: users.delete_many(f),
    "find_one_and_update": lambda users, f: users.find_one_and_update(f, {"$set": {"seen": True}}),
    "find_one_and_delete": lambda users, f: users.find_one_and_delete(f),
    "aggregate": lambda users, f: list(users.aggregate([{"$match": f}])),
}


def body_inputs(document):
    """The inputs the middleware makes of this JSON body."""
    request = rampart.Request()
    request.add_json(__import__("json").dumps(document).encode())
    return [(source, key, value) for source, key, value in request.inputs()]


@pytest.mark.parametrize("method", list(CALLS))
def test_operator_from_the_request_is_refused_before_io(method, users, protect, events) -> None:
    call = CALLS[method]
    protect("block")
    with rampart.request_context(inputs=body_inputs(NORMAL)):
        with pytest.raises(ServerSelectionTimeoutError):
            call(users, dict(NORMAL))  # a plain filter reaches the driver
    assert events.all() == []
    with rampart.request_context(inputs=body_inputs(ATTACK)):
        with pytest.raises(rampart.AttackBlocked) as raised:
            call(users, dict(ATTACK))
    assert raised.value.operation == f"pymongo.Collection.{method}"
    [event] = events.findings()
    assert event["threat"] == "nosql_injection"

    events.clear()
    protect("report")
    with rampart.request_context(inputs=body_inputs(ATTACK)):
        with pytest.raises(ServerSelectionTimeoutError):
            call(users, dict(ATTACK))  # report lets the driver run
    assert [e["action"] for e in events.findings()] == ["reported"]


def test_bson_values_and_regexes_are_serialized(users, protect, events) -> None:
    from bson import ObjectId, Regex

    protect("block")
    with rampart.request_context(inputs=body_inputs({"name": {"$regex": ".*"}})):
        for value in (re.compile(".*"), Regex(".*")):
            with pytest.raises(rampart.AttackBlocked):
                users.find_one({"name": value, "_id": ObjectId()})

"""The shop, protected. Run it:

    RAMPART_POLICY=examples/python-flask/policy.json python examples/python-flask/app.py

then try a login bypass:

    curl -d "email=' OR 1=1-- &password=x" http://127.0.0.1:5000/login
"""

import os

import rampart

rampart.protect()  # reads RAMPART_POLICY / RAMPART_MODE, installs the hooks

from shop import create_app  # noqa: E402 -- any import order works; this one reads best

app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))

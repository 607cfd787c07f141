<?php
// A loopback stand-in for an internal service / cloud metadata endpoint: it records every
// request it gets, so the test can tell whether a blocked fetch ever left the app.
file_put_contents(getenv('STANDIN_LOG'), $_SERVER['REQUEST_URI'] . "\n", FILE_APPEND);
echo str_starts_with($_SERVER['REQUEST_URI'], '/latest/meta-data') ? "ami-id: ami-0123456789\n" : "hello from the stand-in\n";

'use strict';
// The core's codes of the input sources (rampart_source in the C header).

const SOURCE_CODES = Object.freeze({ query: 0, body: 1, path: 2, header: 3, cookie: 4, other: 5 });

module.exports = { SOURCE_CODES };

'use strict';
// Loads the native addon of this platform (built by scripts/build-native.js).

const path = require('node:path');
const { addonPath } = require('./platform');

const file = addonPath(path.resolve(__dirname, '..'));
let native;
try {
  native = require(file);
} catch (error) {
  const hint =
    error && error.code === 'MODULE_NOT_FOUND'
      ? `the native addon ${file} is missing: reinstall the package (npm install runs cargo to build it)`
      : `the native addon ${file} failed to load: ${error && error.message}`;
  const wrapped = new Error(`rampart: ${hint}`);
  wrapped.code = 'internal';
  wrapped.cause = error;
  throw wrapped;
}

module.exports = native;

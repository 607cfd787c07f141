'use strict';
// Where the native addon of this platform lives inside the package.

const path = require('node:path');

function addonPath(packageDir) {
  return path.join(packageDir, 'native', `rampart.${process.platform}-${process.arch}.node`);
}

module.exports = { addonPath };

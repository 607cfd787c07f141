'use strict';
// `node --require rampart/register app.js`: protection without a code change.
require('./index.js');

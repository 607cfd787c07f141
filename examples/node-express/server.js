require('rampart'); // the one line that protects the shop: RAMPART_MODE=block to block

require('./app.js').main();

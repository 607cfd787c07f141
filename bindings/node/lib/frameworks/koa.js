'use strict';
// Koa keeps what it parsed on its context object (ctx.query, ctx.request.body from a
// body parser, ctx.params from a router), not on the Node request: point the request's
// context at ctx when Koa creates it.

const { currentContext } = require('../context');
const { wrapMethod } = require('../hooks/wrap');

const koaView = {
  url: (ctx) => ctx.originalUrl || ctx.url || '',
  body: (ctx) => ctx.request && ctx.request.body,
  params: (ctx) => ctx.params,
  route: (ctx) => ctx._matchedRoute,
  routeText: (ctx) => (ctx._matchedRoute ? String(ctx._matchedRoute) : ''),
  clientIp: (ctx) => ctx.ip,
};

function patch(Koa) {
  const Application = typeof Koa === 'function' ? Koa : Koa && Koa.default;
  if (typeof Application !== 'function' || !Application.prototype) return false;
  return wrapMethod(Application.prototype, 'createContext', (original) =>
    function rampartKoaContext(req) {
      const ctx = original.apply(this, arguments);
      const context = currentContext();
      if (context !== undefined && context.req === req) context.useView(koaView, ctx);
      return ctx;
    },
  );
}

module.exports = { name: 'koa', modules: ['koa'], patch, koaView };

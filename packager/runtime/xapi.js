/* Ruche runtime: xAPI (Tin Can launch) driver; needs lrs.js before it (interface: top of core.js).
 * Launch: ?endpoint=&auth=&actor=(JSON)&registration=&activity_id= ; no endpoint: localStorage. */
(function (w) {
  'use strict';
  var X = w.RucheLRS(function (data, X, cb) {
    var p = X.params, a, k, L = X.L;
    try { a = JSON.parse(p.actor); } catch (e) { a = 0; }
    if (!p.endpoint || !a) return cb(0);
    for (k in a) if (a[k] instanceof Array) a[k] = a[k][0]; // Tin Can 0.9 style: {"mbox": ["mailto:…"]}
    if (a.account && a.account.accountName) {
      a.account = { homePage: a.account.accountServiceHomePage, name: a.account.accountName };
    }
    L.e = p.endpoint;
    L.a = p.auth;
    L.actor = a;
    L.reg = /^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/i.test(p.registration) ? p.registration : '';
    L.id = p.activity_id || data.page.id;
    X.obj = X.act(L.id, 'course', data.course.title);
    cb(1);
  });
  X.progress = function (p) { // completed once; passed/failed whenever the verdict changes
    var F = X.F, v = p.p == null ? '' : p.p ? 'passed' : 'failed', d = w.Ruche.iso(p.t);
    if (p.c && !F.c) { F.c = 1; X.send('completed', 0, { completion: true, duration: d }); }
    if (v && v != F.p) {
      F.p = v;
      X.send(v, 0, { success: p.p, completion: p.c, duration: d,
        score: { scaled: Math.round(p.s * 1e4) / 1e4, raw: Math.round(p.s * 100), min: 0, max: 100 } });
    }
  };
  w.RucheDriver = X;
})(window);

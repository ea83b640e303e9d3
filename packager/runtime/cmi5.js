/* Ruche runtime: cmi5 AU driver; needs lrs.js before it (interface: top of core.js).
 * Launch: ?endpoint=&fetch=&actor=&registration=&activityId= ; the token from fetch is kept in
 * sessionStorage (a reload in the same session reuses it). LMS.LaunchData gives contextTemplate,
 * launchMode, masteryScore and returnURL. cmi5 defined statements: initialized, completed, passed or
 * failed (Normal mode only; completed and passed once per registration, failed never after passed
 * and only at the end of a session, so a retry can still pass), terminated. experienced/answered
 * are cmi5 allowed statements (no cmi5 category). */
(function (w) {
  'use strict';
  var C = 'https://w3id.org/xapi/cmi5/context/', mode, ms, ret, fail, ss;
  try { ss = w.sessionStorage; } catch (e) { ss = 0; }

  var X = w.RucheLRS(function (data, X, cb) {
    var p = X.params, L = X.L, k = 'ruche.tok:' + p.fetch, tok;
    try { L.actor = JSON.parse(p.actor); } catch (e) { return cb(0); }
    if (!p.endpoint || !p.fetch || !p.activityId) return cb(0);
    L.e = p.endpoint.replace(/\/?$/, '/');
    L.reg = p.registration;
    L.id = p.activityId;
    function go(t) {
      var q = { activityId: L.id, agent: L.actor, registration: L.reg, stateId: 'LMS.LaunchData' };
      if (!t) return cb(0);
      L.a = 'Basic ' + t;
      X.get('activities/state', q, function (ld) {
        if (!ld) return cb(0);
        L.tpl = ld.contextTemplate;
        mode = ld.launchMode;
        ms = ld.masteryScore;
        ret = ld.returnURL;
        if (ms >= 0 && ms <= 1) data.page.mastery = ms * 100;
        // the AU must read the learner preferences; the page keeps the course language
        X.get('agents/profile', { agent: L.actor, profileId: 'cmi5LearnerPreferences' }, function () { cb(1); });
      });
    }
    try { tok = ss.getItem(k); } catch (e) { tok = 0; }
    if (tok) return go(tok);
    X.http('POST', p.fetch, '', {}, function (st, t) {
      try { tok = JSON.parse(t)['auth-token']; } catch (e) { tok = 0; }
      try { if (tok) ss.setItem(k, tok); } catch (e) { /* private mode */ }
      go(tok);
    });
  });

  X.hook = function (verb, s) { // categories of cmi5 defined statements, masteryScore where judged
    var c = s.context, a = c.contextActivities = c.contextActivities || {}, r = s.result || {};
    if (!/^(initialized|completed|passed|failed|terminated)$/.test(verb)) return;
    a.category = (a.category || []).concat(X.ref(C + 'categories/cmi5'));
    if (r.success != null || r.completion) a.category.push(X.ref(C + 'categories/moveon'));
    if (r.success != null && ms != null) (c.extensions = c.extensions || {})[C + 'extensions/masteryscore'] = ms;
  };
  function judged(p, yes) {
    var r = { success: yes, duration: w.Ruche.iso(p.t) }, s = Math.round(p.s * 1e4) / 1e4;
    if (ms == null || (s >= ms) == yes) r.score = { scaled: s }; // a score must agree with masteryScore
    X.send(yes ? 'passed' : 'failed', 0, r);
  }
  X.progress = function (p) {
    var F = X.F;
    if (mode != 'Normal') return;
    if (p.c && !F.c) { F.c = 1; X.send('completed', 0, { completion: true, duration: w.Ruche.iso(p.t) }); }
    if (p.p && !F.p) { F.p = 1; judged(p, true); }
    fail = p.p === false && !F.p ? p : 0;
  };
  X.can = function (dir) { return dir == 'exit' && !!ret; };
  X.go = function () { X.exit = 1; };
  X.finish = function (early, ms2) {
    if (fail) { fail.t = ms2; judged(fail, false); }
    X.send('terminated', 0, { duration: w.Ruche.iso(ms2) });
    X.end(X.exit && function () { location.href = ret; });
  };
  w.RucheDriver = X;
})(window);

/* Ruche runtime: the xAPI client shared by xapi.js and cmi5.js (ruche.js = core.js + lrs.js + driver).
 * RucheLRS(launch) returns a driver (interface: top of core.js) whose start() calls
 * launch(data, X, cb): fill X.L = {e: endpoint ending in "/", a: Authorization header, actor,
 * reg: registration UUID or "", id: activity id, tpl: context template or none}, then cb(true), or
 * cb(false) when there is no LRS (core falls back to localStorage).
 * Statements get their UUID and timestamp when created, wait in a localStorage queue (one per
 * registration + activity) and are POSTed in batches; they leave the queue only once the LRS
 * answered 200/204, or 409 (already stored). A batch refused with another 4xx is re-sent one
 * statement at a time, and a statement refused on its own (400, 403, 413...) is dropped rather
 * than block the queue forever. Unreachable LRS, 401, 404, 408, 429, 5xx: retried with exponential
 * backoff (1 s doubling to 60 s); at pagehide: fetch keepalive; what is still queued (the response
 * lost with the page) is re-sent at the next launch, with the same ids. The learner's state lives in the State API, stateId "ruche",
 * with a local copy (the newer one wins).
 */
(function (w) {
  'use strict';
  var ls;
  try { ls = w.localStorage; } catch (e) { ls = 0; }

  function each(a, f) { for (var i = 0; i < a.length; i++) f(a[i], i); }
  function lget(k) { try { return JSON.parse(ls.getItem(k)); } catch (e) { return 0; } }
  function lset(k, v) { try { ls.setItem(k, JSON.stringify(v)); } catch (e) { /* full or disabled */ } }
  function uuid() {
    var b = [], s = '', i;
    try { b = w.crypto.getRandomValues(new Uint8Array(16)); } catch (e) {
      for (i = 0; i < 16; i++) b[i] = Math.random() * 256 | 0;
    }
    b[6] = b[6] & 15 | 64;
    b[8] = b[8] & 63 | 128;
    for (i = 0; i < 16; i++) s += (i == 4 || i == 6 || i == 8 || i == 10 ? '-' : '') + (b[i] + 256).toString(16).slice(1);
    return s;
  }
  function query(o) {
    var s = [], k;
    for (k in o) if (o[k]) s.push(k + '=' + encodeURIComponent(typeof o[k] == 'string' ? o[k] : JSON.stringify(o[k])));
    return s.join('&');
  }
  // http(method, url, body, headers, cb(status, text), keepalive): status 0 = unreachable
  function http(m, url, body, hd, cb, keep) {
    var x, k;
    if (keep && w.fetch) {
      try {
        return fetch(url, { method: m, headers: hd, body: body, keepalive: true })
          .then(function (r) { cb(r.status, ''); }, function () { cb(0, ''); });
      } catch (e) { /* fall back to XHR */ }
    }
    x = new XMLHttpRequest();
    x.open(m, url, true);
    for (k in hd) x.setRequestHeader(k, hd[k]);
    x.timeout = 15000;
    x.onreadystatechange = function () {
      if (x.readyState == 4) { k = cb; cb = function () {}; k(x.status, x.responseText); }
    };
    try { x.send(body); } catch (e) { cb(0, ''); }
  }

  w.RucheLRS = function (launch) {
    var D, L = {}, key, skey, queue = [], size = 25, busy, delay = 0, tmr, doc, put, fin, then,
      X = { L: L, F: {}, uuid: uuid, http: http, params: {} };

    each(location.search.slice(1).split('&'), function (p) {
      var i = p.indexOf('=');
      try { X.params[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1).replace(/\+/g, ' ')); } catch (e) { /* malformed */ }
    });
    function hd() {
      var h = { 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json' };
      if (L.a) h.Authorization = L.a;
      return h;
    }
    function state(m, body, cb, keep) {
      http(m, L.e + 'activities/state?' + query({ activityId: L.id, agent: L.actor, registration: L.reg, stateId: 'ruche' }),
        body, hd(), cb, keep);
    }
    X.get = function (path, q, cb) { // GET a document; cb(parsed JSON or 0)
      http('GET', L.e + path + '?' + query(q), null, hd(), function (st, t) {
        try { t = st == 200 && JSON.parse(t); } catch (e) { t = 0; }
        cb(t || 0);
      });
    };
    function soon() { if (!tmr) tmr = setTimeout(flush, 300); }
    function flush(keep) {
      clearTimeout(tmr);
      tmr = 0;
      if (!queue.length) { if (then) then(); return; }
      if (busy && !keep) return;
      if (!keep) busy = 1;
      var batch = queue.slice(0, size), ids = {};
      each(batch, function (s) { ids[s.id] = 1; });
      http('POST', L.e + 'statements', JSON.stringify(batch), hd(), function (st) {
        // 409 (an id already stored) or 400/403/413...: one statement may refuse the whole batch, so
        // send one by one; a statement refused on its own never will be accepted (it would block the queue)
        var no = st > 399 && st < 500 && !/^(401|404|408|429)$/.test(st);
        if (!keep) busy = 0;
        if (no && batch.length > 1) { size = 1; return flush(keep); }
        if (st > 199 && st < 300 || no) {
          var q = [];
          each(queue, function (s) { if (!ids[s.id]) q.push(s); });
          queue = q;
          lset(key, queue);
          delay = 0;
          if (!queue.length) size = 25;
          flush(keep);
        } else if (!keep) {
          delay = Math.min(60000, delay * 2 || 1000);
          tmr = setTimeout(flush, delay);
        }
      }, keep);
    }
    function ctx(parent, grouping) { // the template (cmi5) or a fresh context, plus ours; never overwrite
      var c = JSON.parse(JSON.stringify(L.tpl || {})), a = c.contextActivities || {};
      if (L.reg) c.registration = L.reg;
      c.language = c.language || D.course.lang;
      if (parent) a.parent = (a.parent || []).concat(parent);
      if (grouping) a.grouping = (a.grouping || []).concat(grouping);
      for (parent in a) c.contextActivities = a;
      return c;
    }
    function ref(id) { return { id: id, objectType: 'Activity' }; } // as in contextActivities: the id only
    function act(id, type, name) {
      var o = { id: id, objectType: 'Activity', definition: { type: 'http://adlnet.gov/expapi/activities/' + type } };
      if (name) (o.definition.name = {})[D.course.lang] = name;
      return o;
    }
    // send(verb, object, result, context): create (id, timestamp now), queue, flush soon
    X.send = function (verb, obj, res, c) {
      if (fin) return;
      var s = {
        id: uuid(), actor: L.actor, timestamp: new Date().toISOString(),
        verb: { id: (/:/.test(verb) ? '' : 'http://adlnet.gov/expapi/verbs/') + verb, display: { 'en-US': verb } },
        object: obj || X.obj, context: c || ctx()
      };
      if (res) s.result = res;
      if (X.hook) X.hook(verb, s);
      queue.push(s);
      lset(key, queue);
      soon();
      return s;
    };
    X.start = function (data, done) {
      D = data;
      launch(data, X, function (yes) {
        if (!yes) return done(0, 0, 1);
        L.e = L.e.replace(/\/?$/, '/');
        key = 'ruche.q:' + L.reg + ':' + L.id;
        skey = 'ruche.s:' + L.reg + ':' + L.id;
        queue = lget(key) || [];
        X.obj = X.obj || ref(L.id);
        state('GET', null, function (st, t) {
          var mine = lget(skey) || {};
          try { doc = st == 200 && JSON.parse(t) || {}; } catch (e) { doc = {}; }
          if ((mine.u || 0) > (doc.u || 0)) { doc = mine; put = 1; }
          X.F = doc.f || {};
          X.send('initialized');
          done(doc.s, doc.b);
        });
      });
    };
    X.save = function (s, b) {
      doc = { s: s, b: b, f: X.F, u: new Date().getTime() };
      lset(skey, doc);
      put = 1;
    };
    X.lesson = function (l) {
      X.send('experienced', act(l.iri, 'module', l.title), 0, ctx([ref(X.obj.id)]));
    };
    X.answer = function (q, r, correct, ms, z) {
      var o = act(q.iri, 'cmi.interaction', q.prompt), f = o.definition, k = q.kind, p = X.obj.id;
      f.interactionType = k == 'multiple-choice' ? 'choice' : k;
      f.correctResponsesPattern = k == 'fill-in' ? q.answers || [] : [q.correct.join('[,]')];
      if (/choice/.test(k)) {
        f.choices = [];
        for (var id in q.choices) {
          var c = { id: id, description: {} };
          c.description[D.course.lang] = q.choices[id];
          f.choices.push(c);
        }
      }
      each(D.lessons, function (l) { if (l.id == z.lesson) p = l.iri; });
      X.send('answered', o, { success: correct, response: r.join('[,]'), duration: w.Ruche.iso(ms) }, ctx([ref(p)], [ref(X.obj.id)]));
    };
    X.commit = function (keep) {
      if (put || keep) { // the last one again at pagehide: an earlier async PUT may be cut short
        put = 0;
        lset(skey, doc);
        state('PUT', JSON.stringify(doc), function (st) { if (st < 200 || st > 299) put = 1; }, keep);
      }
      flush(keep);
    };
    // end(cb): last commit; cb (if any) once the queue is empty or after 5 s
    X.end = function (cb) {
      fin = 1;
      if (cb) {
        then = function () { then = 0; cb(); };
        setTimeout(function () { if (then) then(); }, 5000);
      }
      X.commit(!cb);
    };
    X.finish = function (early, ms) {
      X.send('terminated', 0, { duration: w.Ruche.iso(ms) });
      X.end();
    };
    X.ctx = ctx;
    X.act = act;
    X.ref = ref;
    return X;
  };
})(window);

/* Ruche runtime: core (see docs/runtime.md for the page and the #r-data contract).
 * ES5 only (old Android WebViews): var/function, no arrows, classes, template literals or let/const.
 *
 * The driver interface. The one driver file concatenated after this one sets window.RucheDriver;
 * every member but start is optional, and core calls none of them before start's callback.
 *   max                   longest state string the driver can keep (default 64000); core never
 *                         hands it a longer one (it drops old answers first, see enc()).
 *   start(data, done)     connect to the LMS/LRS. data is the parsed #r-data; the driver may set
 *                         data.page.mastery (percent) from the LMS's own mastery score. It calls
 *                         done(state, bookmark, local) once, possibly later: state = the string saved
 *                         by save() last time or null, bookmark = a section id or null; local = true
 *                         means "no LMS here": core then keeps the state in localStorage itself.
 *   save(state, bookmark) keep the state string and the bookmark (current section id). No commit.
 *   lesson(lesson)        an entry of data.lessons was shown (first time in this session).
 *   answer(q, response, correct, ms, quiz)
 *                         a question was submitted: q and quiz are entries of data.quizzes,
 *                         response = array of choice ids (fill-in: [the learner's text]),
 *                         correct = boolean, ms = latency in milliseconds.
 *   progress(p)           p = {c: completed, p: passed true|false|null (null = no verdict yet),
 *                         s: scaled score 0..1 or null (no quiz submitted), m: progress measure 0..1,
 *                         t: session time so far in ms}. Called after every change.
 *   commit()              a meaningful moment (lesson change, quiz submit, status change, page
 *                         hidden): send what is pending. Core throttles it (>= 5 s apart unless urgent).
 *   can(dir) / go(dir)    dir = "next" | "prev" | "exit": may the driver leave this page that way
 *                         (next/prev at the last/first section; exit: core then shows an exit
 *                         button)? go(dir) asks for it; core calls finish() right after go().
 *   finish(early, ms)     the session ends (exit, nav request, pagehide/unload): early = the learner
 *                         is expected back (suspend), ms = session time. Called once.
 * Core exposes window.Ruche = {iso: ms -> ISO 8601 duration "PT1H2M3.45S", fold: the fill-in folding}.
 */
(function (w, d) {
  'use strict';
  var H = d.documentElement;
  H.className += ' js';

  var STR = {
    fr: ['Bonne r\u00e9ponse.', 'Mauvaise r\u00e9ponse.', 'Score\u00a0: ', 'R\u00e9ussi.', 'Seuil de r\u00e9ussite\u00a0: ',
      'Essais restants\u00a0: ', 'Plus d\u2019essai possible.', 'Quitter', '\u00a0%'],
    en: ['Correct.', 'Incorrect.', 'Score: ', 'Passed.', 'Pass mark: ', 'Attempts left: ', 'No attempts left.', 'Exit', '%']
  };
  var D, T, drv, ready, ended, moved, t0, lastKey, timer, lastCommit = 0, sum,
    sec = [], lix = [], cur = -1, seen = [], told = [], Z = [], Q = [], att = [], ans = [], ok = [], zt = [];

  function $(s, e) { return (e || d).querySelectorAll(s); }
  function each(a, f) { for (var i = 0; i < a.length; i++) f(a[i], i); }
  function now() { return new Date().getTime(); }
  function call(n, a, b, c, e, f) {
    return ready && drv[n] ? drv[n](a, b, c, e, f) : void 0;
  }
  function cls(e, c, on) {
    var s = (' ' + e.className + ' ').replace(' ' + c + ' ', ' ');
    e.className = (on ? s + c : s).replace(/^ +| +$/g, '');
  }
  function hide(e, h) { if (h) e.setAttribute('hidden', ''); else e.removeAttribute('hidden'); }
  function pct(x) { return Math.round(x * 100) + T[8]; }
  function setHash(id) {
    try { history.replaceState(null, '', '#' + id); } catch (e) { /* file:// in old browsers */ }
  }

  // Fill-in folding: lower case, no accents, trimmed, inner spaces collapsed (as the packager does).
  function fold(s) {
    s = String(s).toLowerCase();
    s = s.normalize ? s.normalize('NFD') : s.replace(/[\u00e0-\u00ff]/g, function (c) { // old WebViews
      var r = 'aaaaaa.ceeeeiiii.nooooo..uuuuy.y'.charAt(c.charCodeAt(0) - 224);
      return r == '.' ? c : r;
    });
    return s.replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g, '')
      .replace(/\s+/g, ' ').replace(/^ | $/g, '');
  }
  function iso(ms) {
    var c = Math.round(ms / 10), h = Math.floor(c / 360000), m = Math.floor(c / 6000) % 60;
    return 'PT' + (h ? h + 'H' : '') + (m ? m + 'M' : '') + (c % 6000) / 100 + 'S';
  }
  w.Ruche = { iso: iso, fold: fold };

  // ---- quizzes ----
  function inputs(x) { return x.f ? $('input', x.f) : []; }
  function response(x) {
    var r = [];
    each(inputs(x), function (i) {
      var v = i.type == 'text' ? i.value.replace(/^\s+|\s+$/g, '') : i.checked && i.value;
      if (v) r.push(v);
    });
    return r;
  }
  function right(q, r) {
    if (q.kind == 'fill-in') return r.length > 0 && (q.answers || []).indexOf(fold(r[0])) >= 0;
    var c = q.correct || [], i;
    for (i = 0; i < r.length; i++) if (c.indexOf(r[i]) < 0) return false;
    return r.length == c.length;
  }
  function show1(x, on) { // feedback of one question: on = show the verdict, else clear it
    var f = x.f, r = ans[x.i] || [], good = ok[x.i], fill = x.q.kind == 'fill-in';
    if (!f) return;
    cls(f, 'r-ok', on && good);
    cls(f, 'r-ko', on && !good);
    each($('.r-fb', f), function (p) {
      var k = p.getAttribute('data-for');
      hide(p, !on || !(fill ? good && k == 'ok' : r.indexOf(k) >= 0));
    });
    each($('.r-ex', f), function (p) { hide(p, !on); });
    each($('.r-res', f), function (p) { p.textContent = on ? T[good ? 0 : 1] : ''; });
  }
  function qscore(z) {
    var n = 0;
    each(z.qs, function (qi) { if (ok[qi]) n++; });
    return z.qs.length ? n / z.qs.length : 0;
  }
  function update(z) { // score line and lock state of one quiz
    if (!z.f) return;
    var max = z.z.attempts, left = max ? max - att[z.i] : -1, s = qscore(z), m = z.z.mastery,
      out = $('.r-score', z.f)[0], t = T[2] + Math.round(s * z.qs.length) + ' / ' + z.qs.length + ' (' + pct(s) + ').';
    if (m != null) t += ' ' + (s * 100 >= m - 1e-9 ? T[3] : T[4] + pct(m / 100) + '.');
    if (left >= 0) t += ' ' + (left ? T[5] + left + '.' : T[6]);
    if (out && att[z.i]) out.textContent = t;
    each($('input,button', z.f), function (e) { e.disabled = !left || !ready && e.tagName == 'BUTTON'; });
    return out;
  }
  function submit(e, z) {
    e.preventDefault();
    if (!ready || ended || (z.z.attempts && att[z.i] >= z.z.attempts)) return;
    att[z.i]++;
    var ms = now() - (zt[z.i] || t0), out;
    each(z.qs, function (qi) {
      var x = Q[qi], r = response(x);
      ans[qi] = r;
      ok[qi] = right(x.q, r);
      show1(x, 1);
      if (r.length) call('answer', x.q, r, ok[qi], ms, z.z);
    });
    zt[z.i] = now();
    out = update(z);
    if (out && z.z.attempts && att[z.i] >= z.z.attempts) { // the focused button just got disabled
      out.setAttribute('tabindex', '-1');
      out.focus();
    }
    persist(1);
  }

  // ---- state: compact JSON, short keys, no text but fill-in answers ----
  // {h: checksum of the ids, c: section index, v: "1101" lessons seen, k: [attempts per quiz],
  //  r: "10-1" last verdict per question, a: [answer per question: choice positions in base 36, or text]}
  function enc() {
    var v = '', r = '', a = [], k = [], o, s, n = 0, max = drv.max || 64000;
    each(D.lessons, function (l, i) { v += seen[i] ? 1 : 0; });
    each(Z, function (z) { k.push(att[z.i]); });
    each(Q, function (x, i) {
      var c = '', ins = inputs(x);
      r += ok[i] == null ? '-' : ok[i] ? 1 : 0;
      each(ans[i] || [], function (val) {
        if (x.q.kind == 'fill-in') c = val.slice(0, 200);
        else each(ins, function (e, j) { if (e.value == val) c += j.toString(36); });
      });
      a.push(c);
    });
    while (a.length && !a[a.length - 1]) a.pop();
    o = { h: sum, c: cur, v: v, k: k, r: r, a: a };
    while ((s = JSON.stringify(o)).length > max) { // never overflow: drop the oldest answers, then more
      if (n < a.length) a[n++] = '';
      else if (o.a) delete o.a;
      else if (o.r) delete o.r;
      else return '';
    }
    return s;
  }
  function dec(s) {
    try { s = JSON.parse(s); } catch (e) { s = 0; }
    if (!s || s.h != sum) return -1;
    var v = s.v || '', r = s.r || '', a = s.a || [];
    each(D.lessons, function (l, i) { if (v.charAt(i) == '1') seen[i] = 1; });
    each(Z, function (z) { att[z.i] = +(s.k || [])[z.i] || 0; });
    each(Q, function (x, i) {
      var c = r.charAt(i), t = a[i], ins = inputs(x);
      if (c == '1' || c == '0') ok[i] = c == '1';
      if (t) {
        if (x.q.kind == 'fill-in') ans[i] = [t];
        else {
          ans[i] = [];
          each(t.split(''), function (ch) { var e = ins[parseInt(ch, 36)]; if (e) ans[i].push(e.value); });
        }
      }
      each(ins, function (e) {
        if (e.type == 'text') e.value = t || '';
        else e.checked = (ans[i] || []).indexOf(e.value) >= 0;
      });
    });
    return s.c;
  }

  // ---- status per the contract ----
  function status() {
    var nl = D.lessons.length, nv = 0, nz = Z.length, ns = 0, n = 0, good = 1, p = null, s = null;
    each(D.lessons, function (l, i) { if (seen[i]) nv++; });
    each(Z, function (z) {
      if (att[z.i]) ns++;
      if (z.z.mastery != null && qscore(z) * 100 < z.z.mastery - 1e-9) good = 0;
    });
    each(Q, function (x, i) { if (ok[i]) n++; });
    if (Q.length && ns) {
      s = n / Q.length;
      if (s * 100 < D.page.mastery - 1e-9) good = 0;
      p = good ? true : ns == nz ? false : null;
    }
    return { c: nv == nl && ns == nz, p: p, s: s, m: nl + nz ? (nv + ns) / (nl + nz) : 1, t: now() - t0 };
  }
  function bar(p) {
    each($('.r-bar'), function (b) {
      var v = Math.round(p.m * 100);
      b.setAttribute('aria-valuenow', v);
      if (b.firstChild) b.firstChild.style.width = v + '%';
    });
  }
  function commit(urgent) {
    clearTimeout(timer);
    var wait = lastCommit + 5000 - now();
    if (urgent || wait <= 0) {
      lastCommit = now();
      call('commit');
    } else timer = setTimeout(commit, wait);
  }
  function persist(urgent, last) { // last: finish() follows and commits itself
    var p = status(), key = '' + p.c + p.p;
    bar(p);
    if (!ready || ended) return p;
    call('save', enc(), sec[cur] ? sec[cur].id : '');
    call('progress', p);
    if (key != lastKey) urgent = 1;
    lastKey = key;
    if (!last) commit(urgent);
    return p;
  }
  function end() {
    if (!ready || ended) return;
    var p = persist(0, 1), retry = 0;
    each(Z, function (z) { if (!z.z.attempts || att[z.i] < z.z.attempts) retry = 1; });
    ended = 1;
    clearTimeout(timer);
    drv.finish && drv.finish(!p.c || (p.p === false && retry), p.t);
  }

  // ---- navigation ----
  function show(i, user) {
    var s = sec[i], li = lix[i];
    if (!s) return;
    cur = i;
    if (user) moved = 1;
    each(sec, function (e, j) { cls(e, 'r-on', j == i); });
    if (li >= 0) {
      seen[li] = 1;
      if (ready && !told[li]) { told[li] = 1; call('lesson', D.lessons[li]); }
    }
    each(Z, function (z) { if (z.f && s.contains(z.f)) zt[z.i] = now(); });
    each($('.r-toc a'), function (a) {
      var j = index(a.getAttribute('href').slice(1));
      if (j == i) a.setAttribute('aria-current', 'step'); else a.removeAttribute('aria-current');
      if (lix[j] >= 0) cls(a, 'r-seen', seen[lix[j]]);
    });
    pager();
    if (user) {
      var h = $('h1,h2,h3', s)[0] || s;
      h.setAttribute('tabindex', '-1');
      w.scrollTo(0, 0);
      h.focus();
      if (index(location.hash.slice(1)) != i) setHash(s.id);
    }
    persist();
  }
  function index(id) {
    var e = id && d.getElementById(id), i;
    for (; e && e.getAttribute; e = e.parentNode) {
      for (i = 0; i < sec.length; i++) if (sec[i] == e) return i;
    }
    return -1;
  }
  function step(dir) { return cur + (dir == 'prev' ? -1 : 1); }
  function pager() {
    each($('[data-nav]'), function (b) {
      var dir = b.getAttribute('data-nav'), j = step(dir);
      b.disabled = ended || !(sec[j] && dir != 'exit' || call('can', dir));
    });
  }
  function nav(dir) {
    var j = step(dir);
    if (ended) return;
    if (dir != 'exit' && sec[j]) show(j, 1);
    else if (call('can', dir)) { drv.go(dir); end(); pager(); }
  }
  function fromHash(e) { // a link to a section or to an anchor inside one
    var id, i;
    try { id = decodeURIComponent(location.hash.slice(1)); } catch (x) { id = ''; }
    i = index(id);
    if (i >= 0) {
      show(i, e);
      if (id != sec[i].id) d.getElementById(id).scrollIntoView();
    }
    return i;
  }

  // ---- start ----
  function started(state, bookmark, local) {
    if (ready) return;
    if (local) { drv = localDriver(); return drv.start(D, started); }
    ready = 1;
    H.className += ' r-ready'; // connected to the LMS/LRS and resumed (styles and tests can tell)
    var c = dec(state), i = index(bookmark);
    each(Z, function (z) {
      each(z.qs, function (qi) { if (att[z.i] && ok[qi] != null) show1(Q[qi], 1); });
      update(z);
    });
    if (call('can', 'exit')) {
      var p = $('.r-pager')[0], b = d.createElement('button');
      b.type = 'button';
      b.setAttribute('data-nav', 'exit');
      b.textContent = T[7];
      b.onclick = function () { nav('exit'); };
      if (p) p.appendChild(b);
    }
    if (i < 0) i = sec[c] ? c : cur;
    show(moved ? cur : i);
  }
  function localDriver() {
    var k = 'ruche:' + D.page.id + '@' + D.course.version, ls;
    try { ls = w.localStorage; } catch (e) { ls = 0; }
    return {
      start: function (data, cb) {
        var v;
        try { v = JSON.parse(ls.getItem(k)); } catch (e) { v = 0; }
        cb(v && v.s, v && v.b);
      },
      save: function (s, b) {
        try { ls.setItem(k, JSON.stringify({ s: s, b: b })); } catch (e) { /* full or disabled */ }
      }
    };
  }
  function init() {
    try { init1(); } catch (e) { cls(H, 'js', 0); throw e; } // broken page data: show every section
  }
  function init1() {
    var el = d.getElementById('r-data'), toc = $('.r-toc')[0], ids = '', i, h = 0;
    if (!el) return cls(H, 'js', 0);
    D = JSON.parse(el.textContent || el.innerHTML);
    D.page = D.page || { id: D.course.id, mastery: D.course.mastery };
    D.lessons = D.lessons || [];
    T = STR[/^en/i.test(D.course.lang) ? 'en' : 'fr'];
    t0 = now();
    sec = $('.r-lesson');
    each(sec, function (s, j) {
      lix[j] = -1;
      each(D.lessons, function (l, k) { if (l.id == s.id) lix[j] = k; });
    });
    each(D.quizzes || [], function (q) {
      var z = { z: q, i: Z.length, f: d.getElementById(q.id), qs: [] };
      Z.push(z);
      att[z.i] = 0;
      each(q.questions, function (qq) {
        z.qs.push(Q.length);
        Q.push({ q: qq, i: Q.length, f: d.getElementById(qq.id) });
        ids += ',' + qq.id;
      });
      if (z.f) {
        z.f.addEventListener('submit', function (e) { submit(e, z); });
        var clear = function (e) { // a changed answer clears its old verdict
          for (var t = e.target; t && t != z.f; t = t.parentNode) {
            each(Q, function (x) { if (x.f == t) show1(x, 0); });
          }
        };
        z.f.addEventListener('input', clear);
        z.f.addEventListener('change', clear);
      }
      update(z);
    });
    each(D.lessons, function (l) { ids += ',' + l.id; });
    for (i = 0; i < ids.length; i++) h = (h * 31 + ids.charCodeAt(i)) | 0;
    sum = (h >>> 0).toString(36);
    if (toc) { // collapsible table of contents on small screens
      var b = d.createElement('button');
      b.type = 'button';
      b.className = 'r-tocb';
      b.textContent = toc.getAttribute('aria-label') || '\u2630';
      b.setAttribute('aria-expanded', 'false');
      b.onclick = function () {
        var o = !/r-open/.test(toc.className);
        cls(toc, 'r-open', o);
        b.setAttribute('aria-expanded', o);
      };
      toc.insertBefore(b, toc.firstChild);
      each($('a', toc), function (a) {
        a.onclick = function (e) {
          var j = index(a.getAttribute('href').slice(1));
          if (j < 0) return;
          e.preventDefault();
          cls(toc, 'r-open', 0);
          b.setAttribute('aria-expanded', 'false');
          show(j, 1);
        };
      });
    }
    each($('[data-nav]'), function (b) {
      b.onclick = function () { nav(b.getAttribute('data-nav')); };
    });
    w.addEventListener('hashchange', fromHash);
    w.addEventListener('pagehide', end);
    w.addEventListener('unload', end);
    w.addEventListener('pageshow', function (e) { if (e.persisted && ended) location.reload(); }); // back from bfcache
    d.addEventListener('visibilitychange', function () { if (d.visibilityState == 'hidden') persist(1); });
    moved = fromHash() >= 0; // a deep link wins over the bookmark
    if (!moved) show(0);
    drv = w.RucheDriver || {};
    if (drv.start) drv.start(D, started); else started(0, 0, 1);
  }
  if (d.readyState == 'loading') d.addEventListener('DOMContentLoaded', init); else init();
})(window, document);

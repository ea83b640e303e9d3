/* Ruche runtime: what both SCORM drivers share: finding the LMS API and calling it safely.
 * RucheScorm(name, prefix, end): name = 'API' | 'API_1484_11'; prefix = 'LMS' (1.2) | '' (2004);
 * end = the closing call ('LMSFinish' | 'Terminate'). */
window.RucheScorm = function (name, p, end) {
  'use strict';
  var w = window, s = { api: null };

  function find(win) { // the frame's parents (up to 8 levels), then the opener and its parents
    for (var n = 0; win && n < 8; n++) {
      try { if (win[name]) return win[name]; } catch (e) { /* another origin */ }
      if (win.parent == win) break;
      win = win.parent;
    }
  }
  // An API call that returns "true" does not prove the data was kept: always ask GetLastError.
  function ok() {
    var e = s.api[p + 'GetLastError']();
    if (e != 0) w.RucheDriver.err = e + ' ' + s.api[p + 'GetErrorString'](e);
    return e == 0;
  }
  s.start = function () {
    s.api = find(w) || find(w.opener) || null;
    if (s.api) { s.api[p + 'Initialize'](''); ok(); }
    return s.api;
  };
  s.get = function (k) {
    try { var v = s.api[p + 'GetValue'](k); } catch (e) { return ''; }
    return ok() && v != null ? '' + v : '';
  };
  s.set = function (k, v) {
    try { s.api[p + 'SetValue'](k, '' + v); } catch (e) { /* a broken API must not stop the page */ }
    return ok();
  };
  s.commit = function () {
    if (!s.api) return;
    s.api[p + 'Commit']('');
    if (!ok()) setTimeout(function () { if (s.api) s.api[p + 'Commit'](''); }, 2000); // one retry
  };
  s.end = function () {
    s.commit();
    s.api[end]('');
    ok();
    s.api = null;
  };
  return s;
};

/* The test LMS shared by scorm12.html and scorm2004.html (see their comments). Runs in Chromium
 * only, so modern JavaScript is fine here (unlike the package runtime). */
var lms = {
  api: null, calls: [], commits: [], finished: false, final: null, navigation: null, launches: 0,

  setup: function (kind) { lms.kind = kind; },

  launch: function (url, cmi, nav) {
    // No lmsCommitUrl: what a commit would send is the API's data at that moment, kept in
    // lms.commits (a commit posted while the SCO unloads could only go by beacon, unobservable).
    var kind = lms.kind, api = kind.make({autocommit: false, logLevel: 5});
    if (cmi) api.loadFromFlattenedJSON(cmi, '');
    Object.keys(nav || {}).forEach(function (k) { api.adl.nav.request_valid[k] = nav[k]; });
    kind.methods.forEach(function (m) {
      var real = api[m].bind(api);
      api[m] = function () {
        var args = Array.prototype.slice.call(arguments), result, code;
        if (kind.strict && /SetValue$/.test(m) && kind.strict[args[0]] < String(args[1]).length) {
          result = 'false';   // a strict LMS refuses what the standard does not allow
          code = '405';        // 1.2: "incorrect data type"
          api.lastErrorCode = code;
        } else {
          result = real.apply(null, args);
          code = String(api[kind.error]());
        }
        lms.calls.push([m, args, String(result), code]);
        if (m === kind.commit && result === 'true') lms.commits.push(api.getFlattenedCMI());
        if (m === kind.finish && result === 'true') {
          lms.final = api.getFlattenedCMI();
          lms.finished = true;
        }
        return result;
      };
    });
    Object.keys(kind.navigation || {}).forEach(function (event) {
      api.on(event, function () { lms.navigation = kind.navigation[event]; });
    });
    lms.api = api;
    lms.calls = [];
    lms.commits = [];
    lms.finished = false;
    lms.final = null;
    lms.navigation = null;
    lms.launches++;
    window[kind.name] = api;
    document.getElementById('sco').src = url;
  },

  // The SCO's window (to read its page from the test).
  sco: function () { return document.getElementById('sco').contentWindow; },

  // The learner closes the SCO: the LMS empties the frame (the SCO gets pagehide/unload).
  leave: function () { document.getElementById('sco').src = 'about:blank'; },

  // Calls that set an error code (other than GetValue of a not-yet-set element in 2004: 403).
  errors: function () {
    return lms.calls.filter(function (c) {
      return c[3] !== '0' && !(c[0] === 'GetValue' && c[3] === '403');
    });
  },

  // Every value the SCO set for one element, in order.
  values: function (element) {
    return lms.calls.filter(function (c) {
      return /SetValue$/.test(c[0]) && c[1][0] === element;
    }).map(function (c) { return c[1][1]; });
  }
};

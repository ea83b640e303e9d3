/* Ruche player: the LMS API for SCORM 1.2 (window.API) and SCORM 2004 (window.API_1484_11).
 * ES5 only. The page's #lms-config gives {standard, src, open, learner, nav}. Flow:
 *   1. send any commit left in localStorage by an earlier page (server down, tab closed);
 *   2. POST config.open -> {attempt, session, entry, cmi, commit}: the attempt's CMI data;
 *   3. load the SCO in the iframe. Commit/Finish send the whole CMI data (idempotent, numbered);
 *      a failed send stays in localStorage and is retried with a growing delay.
 * The data model (types, ranges, access, error codes) follows SCORM 1.2 RTE 3.4 and
 * SCORM 2004 4th edition RTE 4.
 */
(function (w, d) {
  'use strict';
  var C = JSON.parse(d.getElementById('lms-config').textContent);
  var V12 = C.standard === 'scorm12';
  var frame = d.getElementById('sco');
  var statusEl = d.getElementById('lms-status');
  var csrf = C.csrf || '';
  var PREFIX = 'ruche:pending:' + C.learner + ':';

  var data = {}, counts = {};
  var state = 0; // 0 before Initialize, 1 running, 2 finished
  var err = 0, diag = '';
  var seq = 0, session = null, attemptId = null, commitUrl = null, retryTimer = null, retryDelay = 2000;
  var navRequest = '_none_';

  // ------------------------------------------------------------------------------------------
  // Error codes
  var ERR = V12 ? {
    0: 'No error', 101: 'General exception', 201: 'Invalid argument error', 202: 'Element cannot have children',
    203: 'Element not an array - cannot have count', 301: 'Not initialized', 401: 'Not implemented error',
    402: 'Invalid set value, element is a keyword', 403: 'Element is read only', 404: 'Element is write only',
    405: 'Incorrect data type'
  } : {
    0: 'No Error', 101: 'General Exception', 102: 'General Initialization Failure', 103: 'Already Initialized',
    104: 'Content Instance Terminated', 111: 'General Termination Failure', 112: 'Termination Before Initialization',
    113: 'Termination After Termination', 122: 'Retrieve Data Before Initialization',
    123: 'Retrieve Data After Termination', 132: 'Store Data Before Initialization', 133: 'Store Data After Termination',
    142: 'Commit Before Initialization', 143: 'Commit After Termination', 201: 'General Argument Error',
    301: 'General Get Failure', 351: 'General Set Failure', 391: 'General Commit Failure',
    401: 'Undefined Data Model Element', 402: 'Unimplemented Data Model Element',
    403: 'Data Model Element Value Not Initialized', 404: 'Data Model Element Is Read Only',
    405: 'Data Model Element Is Write Only', 406: 'Data Model Element Type Mismatch',
    407: 'Data Model Element Value Out Of Range', 408: 'Data Model Dependency Not Established'
  };
  var E = V12 ? {UNDEF: 201, RO: 403, WO: 404, KEYWORD: 402, TYPE: 405, RANGE: 405, NOCHILD: 202, NOCOUNT: 203,
    INDEX: 201, GETFAIL: 201, DEP: 201, NOTSET: 0}
    : {UNDEF: 401, RO: 404, WO: 405, KEYWORD: 404, TYPE: 406, RANGE: 407, NOCHILD: 301, NOCOUNT: 301,
      INDEX: 351, GETFAIL: 301, DEP: 408, NOTSET: 403};

  // ------------------------------------------------------------------------------------------
  // Types: each returns 0 or an error code
  function re(rx) { return function (v) { return rx.test(v) ? 0 : E.TYPE; }; }
  function str(max) { return function (v) { return v.length <= max ? 0 : E.TYPE; }; }
  function vocab(list) { return function (v) { return list.indexOf(v) >= 0 ? 0 : E.TYPE; }; }
  var DEC = /^-?\d+(\.\d+)?$/, REAL = /^[-+]?(\d+(\.\d*)?|\.\d+)$/;
  function num(lo, hi, blank, integer) {
    return function (v) {
      if (blank && v === '') return 0;
      if (!(integer ? /^-?\d+$/ : V12 ? DEC : REAL).test(v)) return E.TYPE;
      var x = parseFloat(v);
      return (lo != null && x < lo) || (hi != null && x > hi) ? E.RANGE : 0;
    };
  }
  function localized(max) { // {lang=xx-YY}text
    return function (v) {
      var m = /^\{lang=([^}]*)\}/.exec(v);
      if (m) {
        if (!/^([A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*)?$/.test(m[1])) return E.TYPE;
        v = v.slice(m[0].length);
      }
      return v.length <= max ? 0 : E.TYPE;
    };
  }
  var longId = function (v) {
    if (!v.length || v.length > 4000 || /\s/.test(v)) return E.TYPE;
    if (/^urn:/i.test(v) && !/^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$/i.test(v)) return E.TYPE;
    return 0;
  };
  var TIME04 = re(/^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}(\.\d{1,2})?)?)?)?)?)?(Z|[+-]\d{2}(:\d{2})?)?$/);
  var SPAN04 = function (v) {
    return /^P(\d+Y)?(\d+M)?(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d{1,2})?S)?)?$/.test(v) && v !== 'P' && !/T$/.test(v)
      ? 0 : E.TYPE;
  };
  var SPAN12 = re(/^\d{2,4}:\d{2}:\d{2}(\.\d{1,2})?$/);
  var TIME12 = re(/^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,2})?$/);
  var ID12 = re(/^[\x21-\x7e]{1,255}$/);
  var TYPES12 = ['true-false', 'choice', 'fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric'];
  var TYPES04 = ['true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing', 'likert',
    'numeric', 'other'];
  function result12(v) { return /^(correct|wrong|unanticipated|neutral)$/.test(v) || DEC.test(v) ? 0 : E.TYPE; }
  function result04(v) { return /^(correct|incorrect|unanticipated|neutral)$/.test(v) || REAL.test(v) ? 0 : E.TYPE; }
  function navReq(v) {
    return /^(continue|previous|exit|exitAll|abandon|abandonAll|suspendAll|_none_)$/.test(v) ||
      /^\{target=[^}\s]+\}(choice|jump)$/.test(v) ? 0 : E.TYPE;
  }

  // ------------------------------------------------------------------------------------------
  // The data models: normalized name (indices as n) -> [access, type, default]
  var M, CHILDREN, ARRAYS;
  if (V12) {
    M = {
      'cmi._version': ['r', null, '3.4'],
      'cmi.core.student_id': ['r'], 'cmi.core.student_name': ['r'],
      'cmi.core.lesson_location': ['rw', str(255)], 'cmi.core.credit': ['r'],
      'cmi.core.lesson_status': ['rw', vocab(['passed', 'completed', 'failed', 'incomplete', 'browsed'])],
      'cmi.core.entry': ['r'], 'cmi.core.score.raw': ['rw', num(0, 100, true)],
      'cmi.core.score.min': ['rw', num(0, 100, true)], 'cmi.core.score.max': ['rw', num(0, 100, true)],
      'cmi.core.total_time': ['r'], 'cmi.core.lesson_mode': ['r'],
      'cmi.core.exit': ['w', vocab(['time-out', 'suspend', 'logout', ''])], 'cmi.core.session_time': ['w', SPAN12],
      'cmi.suspend_data': ['rw', str(4096)], 'cmi.launch_data': ['r'],
      'cmi.comments': ['rw', str(4096)], 'cmi.comments_from_lms': ['r'],
      'cmi.objectives.n.id': ['rw', ID12], 'cmi.objectives.n.score.raw': ['rw', num(0, 100, true)],
      'cmi.objectives.n.score.min': ['rw', num(0, 100, true)], 'cmi.objectives.n.score.max': ['rw', num(0, 100, true)],
      'cmi.objectives.n.status': ['rw', vocab(['passed', 'completed', 'failed', 'incomplete', 'browsed', 'not attempted'])],
      'cmi.student_data.mastery_score': ['r'], 'cmi.student_data.max_time_allowed': ['r'],
      'cmi.student_data.time_limit_action': ['r'],
      'cmi.student_preference.audio': ['rw', num(-1, 100, false, true), '0'],
      'cmi.student_preference.language': ['rw', str(255), ''],
      'cmi.student_preference.speed': ['rw', num(-100, 100, false, true), '0'],
      'cmi.student_preference.text': ['rw', num(-1, 1, false, true), '0'],
      'cmi.interactions.n.id': ['w', ID12], 'cmi.interactions.n.objectives.n.id': ['w', ID12],
      'cmi.interactions.n.time': ['w', TIME12], 'cmi.interactions.n.type': ['w', vocab(TYPES12)],
      'cmi.interactions.n.correct_responses.n.pattern': ['w', str(255)],
      'cmi.interactions.n.weighting': ['w', num(null, null)], 'cmi.interactions.n.student_response': ['w', str(255)],
      'cmi.interactions.n.result': ['w', result12], 'cmi.interactions.n.latency': ['w', SPAN12]
    };
    CHILDREN = {
      'cmi.core': 'student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time',
      'cmi.core.score': 'raw,min,max', 'cmi.objectives': 'id,score,status', 'cmi.objectives.n.score': 'raw,min,max',
      'cmi.student_data': 'mastery_score,max_time_allowed,time_limit_action',
      'cmi.student_preference': 'audio,language,speed,text',
      'cmi.interactions': 'id,objectives,time,type,correct_responses,weighting,student_response,result,latency'
    };
    ARRAYS = ['cmi.objectives', 'cmi.interactions', 'cmi.interactions.n.objectives', 'cmi.interactions.n.correct_responses'];
  } else {
    var CSTAT = vocab(['completed', 'incomplete', 'not attempted', 'unknown']);
    var SSTAT = vocab(['passed', 'failed', 'unknown']);
    M = {
      'cmi._version': ['r', null, '1.0'],
      'cmi.comments_from_learner.n.comment': ['rw', localized(4000)],
      'cmi.comments_from_learner.n.location': ['rw', str(250)],
      'cmi.comments_from_learner.n.timestamp': ['rw', TIME04],
      'cmi.comments_from_lms.n.comment': ['r'], 'cmi.comments_from_lms.n.location': ['r'],
      'cmi.comments_from_lms.n.timestamp': ['r'],
      'cmi.completion_status': ['rw', CSTAT, 'unknown'], 'cmi.completion_threshold': ['r'],
      'cmi.credit': ['r'], 'cmi.entry': ['r'],
      'cmi.exit': ['w', vocab(['time-out', 'suspend', 'logout', 'normal', ''])],
      'cmi.interactions.n.id': ['rw', longId], 'cmi.interactions.n.type': ['rw', vocab(TYPES04)],
      'cmi.interactions.n.objectives.n.id': ['rw', longId], 'cmi.interactions.n.timestamp': ['rw', TIME04],
      'cmi.interactions.n.correct_responses.n.pattern': ['rw', str(7800)],
      'cmi.interactions.n.weighting': ['rw', num(null, null)],
      'cmi.interactions.n.learner_response': ['rw', str(7800)],
      'cmi.interactions.n.result': ['rw', result04], 'cmi.interactions.n.latency': ['rw', SPAN04],
      'cmi.interactions.n.description': ['rw', localized(250)],
      'cmi.launch_data': ['r'], 'cmi.learner_id': ['r'], 'cmi.learner_name': ['r'],
      'cmi.learner_preference.audio_level': ['rw', num(0, null), '1'],
      'cmi.learner_preference.language': ['rw', str(250), ''],
      'cmi.learner_preference.delivery_speed': ['rw', num(0, null), '1'],
      'cmi.learner_preference.audio_captioning': ['rw', vocab(['-1', '0', '1']), '0'],
      'cmi.location': ['rw', str(1000)], 'cmi.max_time_allowed': ['r'], 'cmi.mode': ['r'],
      'cmi.objectives.n.id': ['rw', longId], 'cmi.objectives.n.score.scaled': ['rw', num(-1, 1)],
      'cmi.objectives.n.score.raw': ['rw', num(null, null)], 'cmi.objectives.n.score.min': ['rw', num(null, null)],
      'cmi.objectives.n.score.max': ['rw', num(null, null)],
      'cmi.objectives.n.success_status': ['rw', SSTAT, 'unknown'],
      'cmi.objectives.n.completion_status': ['rw', CSTAT, 'unknown'],
      'cmi.objectives.n.progress_measure': ['rw', num(0, 1)],
      'cmi.objectives.n.description': ['rw', localized(250)],
      'cmi.progress_measure': ['rw', num(0, 1)], 'cmi.scaled_passing_score': ['r'],
      'cmi.score.scaled': ['rw', num(-1, 1)], 'cmi.score.raw': ['rw', num(null, null)],
      'cmi.score.min': ['rw', num(null, null)], 'cmi.score.max': ['rw', num(null, null)],
      'cmi.session_time': ['w', SPAN04], 'cmi.success_status': ['rw', SSTAT, 'unknown'],
      'cmi.suspend_data': ['rw', str(64000)], 'cmi.time_limit_action': ['r'], 'cmi.total_time': ['r'],
      'adl.nav.request': ['rw', navReq, '_none_']
    };
    CHILDREN = {
      'cmi.comments_from_learner': 'comment,location,timestamp', 'cmi.comments_from_lms': 'comment,location,timestamp',
      'cmi.interactions': 'id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description',
      'cmi.learner_preference': 'audio_level,language,delivery_speed,audio_captioning',
      'cmi.objectives': 'id,score,success_status,completion_status,progress_measure,description',
      'cmi.score': 'scaled,raw,min,max', 'cmi.objectives.n.score': 'scaled,raw,min,max'
    };
    ARRAYS = ['cmi.comments_from_learner', 'cmi.comments_from_lms', 'cmi.interactions', 'cmi.objectives',
      'cmi.interactions.n.objectives', 'cmi.interactions.n.correct_responses'];
  }

  function norm(name) { return name.replace(/\.\d+(?=\.|$)/g, '.n'); }

  // Array counts are derived from the stored element names.
  function recount() {
    counts = {};
    for (var k in data) {
      if (!data.hasOwnProperty(k)) continue;
      var rx = /\.(\d+)(?=\.)/g, m;
      while ((m = rx.exec(k))) {
        var arr = k.slice(0, m.index);
        var c = +m[1] + 1;
        if (!counts[arr] || counts[arr] < c) counts[arr] = c;
      }
    }
  }
  function count(arr) { return counts[arr] || 0; }

  function fail(code, text) { err = code; diag = text || ''; return code; }

  // An index path (cmi.interactions.3.objectives.1.id) is valid when every index <= its array's count.
  function indexError(name, setting) {
    var rx = /\.(\d+)(?=\.)/g, m;
    while ((m = rx.exec(name))) {
      var arr = name.slice(0, m.index), n = +m[1];
      var c = count(arr);
      if (n > c || (!setting && n >= c)) return setting ? E.INDEX : E.GETFAIL;
      if (/^0\d/.test(m[1])) return E.UNDEF;
    }
    return 0;
  }

  // SCORM 2004: evaluated statuses (RTE 4.2.4.1, 4.2.22)
  function evaluated(name) {
    if (V12) return null;
    if (name === 'cmi.completion_status' && data['cmi.completion_threshold'] != null) {
      var pm = data['cmi.progress_measure'];
      if (pm == null || pm === '') return 'unknown';
      return parseFloat(pm) >= parseFloat(data['cmi.completion_threshold']) ? 'completed' : 'incomplete';
    }
    if (name === 'cmi.success_status' && data['cmi.scaled_passing_score'] != null) {
      var sc = data['cmi.score.scaled'];
      if (sc == null || sc === '') return 'unknown';
      return parseFloat(sc) >= parseFloat(data['cmi.scaled_passing_score']) ? 'passed' : 'failed';
    }
    return null;
  }

  function getValue(name) {
    name = name == null ? '' : '' + name;
    if (state === 0) { fail(V12 ? 301 : 122); return ''; }
    if (state === 2) { fail(V12 ? 301 : 123); return ''; }
    if (name === '') { fail(V12 ? 201 : 301, 'The element name is empty'); return ''; }
    var n = norm(name), parts = name.split('.'), last = parts[parts.length - 1];
    if (last === '_children') {
      var base = norm(name.slice(0, -10));
      if (CHILDREN[base] != null) { err = 0; return CHILDREN[base]; }
      fail(M[base] || ARRAYS.indexOf(base) >= 0 ? E.NOCHILD : E.UNDEF, name + ' has no children');
      return '';
    }
    if (last === '_count') {
      var arr = name.slice(0, -7);
      if (ARRAYS.indexOf(norm(arr)) >= 0) {
        var ie = indexError(arr + '.x', false);
        if (ie) { fail(ie, 'No such array element'); return ''; }
        err = 0;
        return '' + count(arr);
      }
      fail(M[norm(arr)] || CHILDREN[norm(arr)] ? E.NOCOUNT : E.UNDEF, name + ' is not an array');
      return '';
    }
    if (last === '_version' && name !== 'cmi._version') { fail(E.UNDEF, name); return ''; }
    if (/^adl\.nav\.request_valid\./.test(name)) {
      err = 0;
      if (name === 'adl.nav.request_valid.continue') return C.nav.next ? 'true' : 'false';
      if (name === 'adl.nav.request_valid.previous') return C.nav.prev ? 'true' : 'false';
      if (/^adl\.nav\.request_valid\.(choice|jump)\.\{target=[^}]+\}$/.test(name)) return 'unknown';
      fail(E.UNDEF, name); return '';
    }
    var spec = M[n];
    if (!spec) { fail(E.UNDEF, name + ' is not a data model element'); return ''; }
    if (spec[0] === 'w') { fail(E.WO, name + ' is write-only'); return ''; }
    var ie2 = indexError(name, false);
    if (ie2) { fail(ie2, 'No such array element: ' + name); return ''; }
    var ev = evaluated(name);
    if (ev != null) { err = 0; return ev; }
    if (data.hasOwnProperty(name)) { err = 0; return data[name]; }
    if (spec[2] != null) { err = 0; return spec[2]; }
    if (!V12 && /^cmi\.objectives\.\d+\.(success_status|completion_status)$/.test(name)) { err = 0; return 'unknown'; }
    if (V12) { err = 0; return ''; }
    fail(403, name + ' has no value yet');
    return '';
  }

  function setValue(name, value) {
    name = name == null ? '' : '' + name;
    value = value == null ? '' : '' + value;
    if (state === 0) return fail(V12 ? 301 : 132);
    if (state === 2) return fail(V12 ? 301 : 133);
    if (name === '') return fail(V12 ? 201 : 351, 'The element name is empty');
    var parts = name.split('.'), last = parts[parts.length - 1];
    if (last === '_children' || last === '_count' || last === '_version') return fail(E.KEYWORD, name + ' is a keyword');
    if (/^adl\.nav\.request_valid\./.test(name)) return fail(E.RO, name + ' is read-only');
    var n = norm(name), spec = M[n];
    if (!spec) return fail(E.UNDEF, name + ' is not a data model element');
    if (spec[0] === 'r') return fail(E.RO, name + ' is read-only');
    var ie = indexError(name, true);
    if (ie) return fail(ie, 'Array elements must be set in order: ' + name);
    var te = spec[1] ? spec[1](value) : 0;
    if (te) return fail(te, 'Bad value for ' + name + ': ' + value.slice(0, 80));
    // 2004 dependencies (RTE 4.2.9, 4.2.17): an array entry's id comes first; responses need the type.
    if (!V12) {
      var m = /^(cmi\.(interactions|objectives)\.\d+)\.(.+)$/.exec(name);
      if (m && m[3] !== 'id' && data[m[1] + '.id'] == null) return fail(408, m[1] + '.id must be set first');
      if (/^cmi\.interactions\.\d+\.(correct_responses\.\d+\.pattern|learner_response)$/.test(name) &&
          data[m[1] + '.type'] == null) return fail(408, m[1] + '.type must be set first');
      var om = /^cmi\.objectives\.(\d+)\.id$/.exec(name);
      if (om) {
        for (var i = 0; i < count('cmi.objectives'); i++) {
          if (i !== +om[1] && data['cmi.objectives.' + i + '.id'] === value) return fail(351, 'Objective ids must be unique');
        }
        if (data[name] != null && data[name] !== value) return fail(351, 'An objective id cannot change');
      }
      if (m && /^(cmi\.(objectives\.\d+\.)?score)\.(raw|min|max|scaled)$/.test(name)) { /* no extra rule */ }
    } else if (name === 'cmi.core.lesson_status' && value === 'not attempted') {
      return fail(405, 'A SCO cannot set not attempted');
    }
    if (!V12 && name === 'adl.nav.request') navRequest = value;
    data[name] = value;
    recount();
    err = 0;
    return 0;
  }

  // ------------------------------------------------------------------------------------------
  // Talking to the server
  function setStatus(text) { if (statusEl) statusEl.textContent = text || ''; }

  function post(url, body, done, keepalive) {
    var text = JSON.stringify(body);
    if (keepalive && w.fetch) {
      try {
        w.fetch(url, {method: 'POST', body: text, keepalive: true, credentials: 'same-origin',
          headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}})
          .then(function (r) { return r.json().then(function (j) { done(r.status, j); }, function () { done(r.status, null); }); },
            function () { done(0, null); });
        return;
      } catch (e) { /* fall back to XHR */ }
    }
    var x = new XMLHttpRequest();
    x.open('POST', url, true);
    x.setRequestHeader('Content-Type', 'application/json');
    x.setRequestHeader('X-CSRF-Token', csrf);
    x.onreadystatechange = function () {
      if (x.readyState !== 4) return;
      var j = null;
      try { j = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
      done(x.status, j);
    };
    x.send(text);
  }

  function store(key, value) {
    try {
      if (value == null) w.localStorage.removeItem(key); else w.localStorage.setItem(key, JSON.stringify(value));
    } catch (e) { /* storage full or off: the retry timer still holds the data in memory */ }
  }
  function pendingKeys() {
    var keys = [];
    try {
      for (var i = 0; i < w.localStorage.length; i++) {
        var k = w.localStorage.key(i);
        if (k && k.indexOf(PREFIX) === 0) keys.push(k);
      }
    } catch (e) { /* no storage */ }
    return keys;
  }

  var inMemory = null;
  function send(finished) {
    seq += 1;
    var payload = {session: session, seq: seq, finished: !!finished, cmi: data, url: commitUrl};
    inMemory = payload;
    store(PREFIX + attemptId, payload);
    deliver(payload, finished);
  }
  function deliver(payload, keepalive) {
    post(payload.url, {session: payload.session, seq: payload.seq, finished: payload.finished, cmi: payload.cmi},
      function (status) {
        if ((status >= 200 && status < 300) || status === 409 || status === 404 || status === 400) {
          // 409: a newer launch replaced this session; 4xx: the server will never take it.
          if (inMemory && inMemory.seq <= payload.seq && inMemory.session === payload.session) {
            inMemory = null;
            store(PREFIX + attemptId, null);
          }
          retryDelay = 2000;
          setStatus(status >= 200 && status < 300 ? '' : C.msg && C.msg.lost);
        } else {
          setStatus(C.msg && C.msg.offline);
          schedule();
        }
      }, keepalive);
  }
  function schedule() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      if (inMemory) deliver(inMemory, false);
      retryDelay = Math.min(retryDelay * 2, 60000);
    }, retryDelay);
  }

  // Commits left behind by an earlier page of this learner (server was down, tab closed).
  function flushOld(done) {
    var keys = pendingKeys(), left = keys.length;
    if (!left) return done();
    for (var i = 0; i < keys.length; i++) {
      (function (key) {
        var p = null;
        try { p = JSON.parse(w.localStorage.getItem(key)); } catch (e) { /* broken entry */ }
        if (!p || !p.url) { store(key, null); if (--left === 0) done(); return; }
        post(p.url, {session: p.session, seq: p.seq, finished: p.finished, cmi: p.cmi}, function (status) {
          if (status && status < 500) store(key, null);
          if (--left === 0) done();
        });
      })(keys[i]);
    }
  }

  // ------------------------------------------------------------------------------------------
  // The API objects
  // Every session call takes the empty string as its only argument (error 201 otherwise).
  function emptyArgument(param) {
    if ((param == null ? '' : '' + param) === '') return true;
    fail(201, 'The argument must be ""');
    return false;
  }
  // Commit and Terminate/LMSFinish need an open session; the standard names its own errors for each call.
  function mayEnd(param, beforeInit, afterEnd) {
    if (!emptyArgument(param)) return false;
    if (state === 0) { fail(V12 ? 301 : beforeInit); return false; }
    if (state === 2) { fail(V12 ? 301 : afterEnd); return false; }
    return true;
  }
  function initialize(param) {
    if (!emptyArgument(param)) return 'false';
    if (state === 1) { fail(V12 ? 101 : 103, 'Already initialized'); return 'false'; }
    if (state === 2) { fail(V12 ? 101 : 104, 'Already terminated'); return 'false'; }
    if (!session) { fail(V12 ? 101 : 102, 'The session is not open yet'); return 'false'; }
    state = 1;
    err = 0;
    return 'true';
  }
  function commit(param) {
    if (!mayEnd(param, 142, 143)) return 'false';
    send(false);
    err = 0;
    return 'true';
  }
  function finish(param) {
    if (!mayEnd(param, 112, 113)) return 'false';
    send(true);
    state = 2;
    err = 0;
    afterFinish();
    return 'true';
  }
  function afterFinish() {
    var go = null;
    if (navRequest === 'continue') go = C.nav.next;
    else if (navRequest === 'previous') go = C.nav.prev;
    else if (/^(exit|exitAll|suspendAll|abandon|abandonAll)$/.test(navRequest)) go = C.nav.exit;
    if (go) setTimeout(function () { w.location.href = go; }, 150);
  }
  function getValueApi(name) { var v = getValue(name); return v; }
  function setValueApi(name, value) { return setValue(name, value) ? 'false' : 'true'; }
  function lastError() { return '' + err; }
  function errorString(code) { code = parseInt(code, 10); return ERR[code] || ''; }
  function diagnostic(code) {
    if (code == null || code === '' || +code === err) return diag || ERR[err] || '';
    return ERR[parseInt(code, 10)] || '';
  }

  if (V12) {
    w.API = {
      LMSInitialize: initialize, LMSFinish: finish, LMSGetValue: getValueApi, LMSSetValue: setValueApi,
      LMSCommit: commit, LMSGetLastError: lastError, LMSGetErrorString: errorString, LMSGetDiagnostic: diagnostic
    };
  } else {
    w.API_1484_11 = {
      Initialize: initialize, Terminate: finish, GetValue: getValueApi, SetValue: setValueApi, Commit: commit,
      GetLastError: lastError, GetErrorString: errorString, GetDiagnostic: diagnostic
    };
  }

  // The page is left while the SCO runs: save what it holds (not a Finish: the SCO did not end).
  w.addEventListener('pagehide', function () {
    if (state === 1 && inMemory) deliver(inMemory, true);
  });

  // ------------------------------------------------------------------------------------------
  // Start: flush, open, load the SCO
  function open() {
    post(C.open, {}, function (status, j) {
      if (status !== 200 || !j) {
        setStatus(C.msg && C.msg.offline);
        setTimeout(open, 3000);
        return;
      }
      data = j.cmi || {};
      session = j.session;
      attemptId = j.attempt;
      commitUrl = j.commit;
      seq = 0;
      recount();
      setStatus('');
      frame.src = C.src;
    });
  }
  flushOld(open);
  w.RucheLMS = {data: function () { return data; }, state: function () { return state; }};
})(window, document);

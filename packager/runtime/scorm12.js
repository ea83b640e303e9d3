/* Ruche runtime: SCORM 1.2 driver (interface: top of core.js). No API found: core's localStorage. */
(function (w) {
  'use strict';
  var S = w.RucheScorm('API', 'LMS', 'LMSFinish'), get = S.get, set = S.set, st0;

  function two(n) { return (n < 10 ? '0' : '') + n; }
  function span(ms) { // CMITimespan HHHH:MM:SS.SS
    var c = Math.round(ms / 10), h = Math.min(9999, Math.floor(c / 360000));
    return ('000' + h).slice(-4) + ':' + two(Math.floor(c / 6000) % 60) + ':' +
      two(Math.floor(c / 100) % 60) + '.' + two(c % 100);
  }
  function resp(q, r) { // 1.2 formats: true-false t/f, choice a,b, fill-in the text
    if (q.kind == 'true-false') return r[0] == 'true' ? 't' : 'f';
    return r.join(',').slice(0, 255);
  }
  w.RucheDriver = {
    max: 4096,
    start: function (data, done) {
      if (!S.start()) return done(0, 0, 1);
      var m = parseFloat(get('cmi.student_data.mastery_score'));
      if (m >= 0 && m <= 100) data.page.mastery = m;
      st0 = get('cmi.core.lesson_status');
      if (/^(not attempted|browsed|)$/.test(st0)) set('cmi.core.lesson_status', 'incomplete');
      if (get('cmi.core.entry') == 'ab-initio') done(0, 0);
      else done(get('cmi.suspend_data'), get('cmi.core.lesson_location'));
    },
    save: function (s, b) {
      if (!S.api) return;
      set('cmi.suspend_data', s);
      set('cmi.core.lesson_location', b.slice(0, 255));
    },
    progress: function (p) {
      if (!S.api) return;
      var s = p.c ? (p.p ? 'passed' : p.p === false ? 'failed' : 'completed') : 'incomplete';
      // never downgrade what the LMS already holds (e.g. a state lost to another device)
      if (st0 != 'passed' && !(s == 'incomplete' && /^(completed|failed)$/.test(st0))) {
        set('cmi.core.lesson_status', s);
      }
      if (p.s != null && p.p != null) {
        set('cmi.core.score.min', 0);
        set('cmi.core.score.max', 100);
        set('cmi.core.score.raw', Math.round(p.s * 100));
      }
    },
    answer: function (q, r, correct, ms) {
      if (!S.api) return;
      var k = 'cmi.interactions.' + (+get('cmi.interactions._count') || 0) + '.';
      set(k + 'id', q.id);
      set(k + 'type', q.kind == 'multiple-choice' ? 'choice' : q.kind);
      set(k + 'time', new Date().toTimeString().slice(0, 8));
      set(k + 'correct_responses.0.pattern', resp(q, q.kind == 'fill-in' ? (q.answers || []).slice(0, 1) : q.correct));
      set(k + 'student_response', resp(q, r));
      set(k + 'result', correct ? 'correct' : 'wrong');
      set(k + 'latency', span(ms));
    },
    commit: S.commit,
    finish: function (early, ms) {
      if (!S.api) return;
      set('cmi.core.exit', early ? 'suspend' : '');
      set('cmi.core.session_time', span(ms));
      S.end();
    }
  };
})(window);

/* Ruche runtime: SCORM 2004 (4th ed.) driver (interface: top of core.js). No API: core's localStorage. */
(function (w) {
  'use strict';
  var S = w.RucheScorm('API_1484_11', '', 'Terminate'), get = S.get, set = S.set, c0, s0;

  function text(s, n) { return ('' + s).replace(/^\{+/, '').replace(/\[,\]/g, ',').slice(0, n); }
  function r4(x) { return Math.round(x * 1e4) / 1e4; }

  w.RucheDriver = {
    max: 64000,
    start: function (data, done) {
      if (!S.start()) return done(0, 0, 1);
      var m = parseFloat(get('cmi.scaled_passing_score'));
      if (m >= 0 && m <= 1) data.page.mastery = m * 100;
      c0 = get('cmi.completion_status');
      s0 = get('cmi.success_status');
      if (c0 != 'completed') set('cmi.completion_status', 'incomplete');
      if (get('cmi.entry') == 'ab-initio') done(0, 0);
      else done(get('cmi.suspend_data'), get('cmi.location'));
    },
    save: function (s, b) {
      if (!S.api) return;
      set('cmi.suspend_data', s);
      set('cmi.location', b.slice(0, 1000));
    },
    progress: function (p) {
      if (!S.api) return;
      if (c0 != 'completed') set('cmi.completion_status', p.c ? 'completed' : 'incomplete');
      if (p.p != null && s0 != 'passed') set('cmi.success_status', p.p ? 'passed' : 'failed');
      set('cmi.progress_measure', r4(p.m));
      if (p.s != null) {
        set('cmi.score.scaled', r4(p.s));
        set('cmi.score.min', 0);
        set('cmi.score.max', 100);
        set('cmi.score.raw', Math.round(p.s * 100));
      }
    },
    answer: function (q, r, correct, ms) {
      if (!S.api) return;
      var k = 'cmi.interactions.' + (+get('cmi.interactions._count') || 0) + '.', i,
        fill = q.kind == 'fill-in', pats = fill ? q.answers || [] : [q.correct.join('[,]')];
      set(k + 'id', q.iri || q.id);
      set(k + 'type', q.kind == 'multiple-choice' ? 'choice' : q.kind);
      set(k + 'description', text(q.prompt || '', 250));
      for (i = 0; i < pats.length && i < 5; i++) set(k + 'correct_responses.' + i + '.pattern', fill ? text(pats[i], 250) : pats[i]);
      set(k + 'learner_response', fill ? text(r[0], 250) : r.join('[,]'));
      set(k + 'result', correct ? 'correct' : 'incorrect');
      set(k + 'timestamp', new Date().toISOString().slice(0, 22) + 'Z');
      set(k + 'latency', w.Ruche.iso(ms));
    },
    commit: S.commit,
    can: function (dir) { // leave this SCO for the next/previous one when the sequencer allows it
      return S.api && dir != 'exit' &&
        get('adl.nav.request_valid.' + (dir == 'next' ? 'continue' : 'previous')) == 'true';
    },
    go: function (dir) {
      set('adl.nav.request', dir == 'next' ? 'continue' : 'previous');
    },
    finish: function (early, ms) {
      if (!S.api) return;
      set('cmi.exit', early ? 'suspend' : 'normal');
      set('cmi.session_time', w.Ruche.iso(ms));
      S.end();
    }
  };
})(window);

/* Ruche player: opening an xAPI or cmi5 lesson. ES5 only. The page's #lms-config gives
 * {open, csrf, msg}. Opening an attempt writes (the attempt, cmi5's `launched` statement), so it is
 * a POST from this script, never a side effect of loading the page: POST config.open -> {src}, the
 * content's launch URL (endpoint, credentials, registration), then load it in the frame. */
(function (w, d) {
  'use strict';
  var C = JSON.parse(d.getElementById('lms-config').textContent);
  var frame = d.getElementById('sco');
  var statusEl = d.getElementById('lms-status');
  var delay = 1000;

  function open() {
    var x = new XMLHttpRequest();
    x.open('POST', C.open, true);
    x.setRequestHeader('X-CSRF-Token', C.csrf || '');
    x.onreadystatechange = function () {
      if (x.readyState !== 4) return;
      var j = null;
      try { j = JSON.parse(x.responseText); } catch (e) { /* not JSON: retried below */ }
      if (x.status === 200 && j && j.src) {
        statusEl.textContent = '';
        frame.src = j.src;
        return;
      }
      statusEl.textContent = (j && j.error) || (C.msg && C.msg.offline) || '';
      if (x.status >= 400 && x.status < 500) return; // refused: trying again would not help
      delay = Math.min(delay * 2, 30000); // the player does not answer: try again
      setTimeout(open, delay);
    };
    x.send('');
  }
  open();
})(window, document);

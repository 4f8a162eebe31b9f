/* Click-to-copy, shared by the pages of compare-perf and history-perf
   detect: an element with data-copy="N" copies the N-th string of the
   "copy" list in the page's JSON block (#report-data). The values are only
   ever read as JSON text, never parsed as HTML. */
(function () {
  'use strict';
  var dataElement = document.getElementById('report-data');
  var data = { copy: [] };
  try {
    data = JSON.parse(dataElement ? dataElement.textContent : '{"copy": []}');
  } catch (error) {
    data = { copy: [] };
  }

  function flash(element) {
    element.classList.add('copied');
    setTimeout(function () { element.classList.remove('copied'); }, 700);
  }

  function copyFallback(text, element) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.left = '-9999px';
    document.body.appendChild(area);
    area.select();
    try { document.execCommand('copy'); flash(element); } catch (error) { /* nothing to copy to */ }
    document.body.removeChild(area);
  }

  document.addEventListener('click', function (event) {
    var element = event.target.closest('[data-copy]');
    if (!element) { return; }
    var text = data.copy[Number(element.getAttribute('data-copy'))];
    if (typeof text !== 'string') { return; }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { flash(element); },
        function () { copyFallback(text, element); });
    } else {
      copyFallback(text, element);
    }
  });
}());

/* Filters and search of history-perf detect's page. Each checkbox group
   (data-filter="NAME") matches the attribute data-NAME of every change, a
   data-only="NAME" box keeps the changes whose data-NAME is "1", and the
   search looks in data-search; the script knows no names of its own. The
   URL fragment sets them on load, e.g. #direction=regression&state=new&failing=1&q=iops.
   Without script every change stays visible and the filters stay hidden. */
(function () {
  'use strict';
  var box = document.getElementById('filters');
  var table = document.getElementById('changes');
  if (box && table) {
    var search = box.querySelector('input[type=search]');
    var count = box.querySelector('.count');
    var only = box.querySelectorAll('input[data-only]');
    var groups = {};
    box.querySelectorAll('input[data-filter]').forEach(function (input) {
      var name = input.getAttribute('data-filter');
      (groups[name] = groups[name] || []).push(input);
    });
    var names = Object.keys(groups);

    var shows = function (change, query) {
      var kept = names.every(function (name) {
        var value = change.getAttribute('data-' + name);
        return value === null || groups[name].some(function (input) {
          return input.checked && input.value === value;
        });
      });
      kept = kept && Array.prototype.every.call(only, function (input) {
        return !input.checked || change.getAttribute('data-' + input.getAttribute('data-only')) === '1';
      });
      return kept && (query === '' || (change.getAttribute('data-search') || '').indexOf(query) !== -1);
    };

    var apply = function () {
      var query = search.value.trim().toLowerCase();
      var changes = table.tBodies;
      var shown = 0;
      for (var i = 0; i < changes.length; i++) {
        var visible = shows(changes[i], query);
        changes[i].hidden = !visible;
        if (visible) { shown++; }
      }
      count.textContent = shown + ' of ' + changes.length + ' changes shown';
    };

    var fromFragment = function () {
      var params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
      names.forEach(function (name) {
        if (!params.has(name)) { return; }
        var wanted = params.get(name).split(',');
        groups[name].forEach(function (input) { input.checked = wanted.indexOf(input.value) !== -1; });
      });
      only.forEach(function (input) {
        var name = input.getAttribute('data-only');
        if (params.has(name)) { input.checked = params.get(name) === '1'; }
      });
      if (params.has('q')) { search.value = params.get('q'); }
    };

    fromFragment();
    apply();
    box.addEventListener('change', apply);
    search.addEventListener('input', apply);
    window.addEventListener('hashchange', function () { fromFragment(); apply(); });
    box.hidden = false;
  }
  // Copy buttons work with the script only (copy.js).
  document.querySelectorAll('button[data-copy]').forEach(function (button) { button.hidden = false; });
  // Marks a page whose script ran to the end (checked by the browser test).
  document.documentElement.setAttribute('data-ready', '1');
}());

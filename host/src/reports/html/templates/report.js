/* Filters and sorting of the report (click-to-copy is in copy.js). */
(function () {
  'use strict';

  function checkedValues(box, name) {
    var values = new Set();
    box.querySelectorAll('input[data-filter="' + name + '"]:checked').forEach(function (input) {
      values.add(input.value);
    });
    return values;
  }

  document.querySelectorAll('.filters').forEach(function (box) {
    var table = document.getElementById(box.getAttribute('data-table') + '-table');
    if (!table) { return; }
    var search = box.querySelector('input[type=search]');
    var count = box.querySelector('.count');
    function apply() {
      var thisBuild = checkedValues(box, 'this');
      var anyBuild = checkedValues(box, 'any');
      var profiles = checkedValues(box, 'profile');
      var tests = checkedValues(box, 'test');
      var kinds = checkedValues(box, 'kind');
      var query = search ? search.value.trim().toLowerCase() : '';
      var rows = table.tBodies[0].rows;
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var row = rows[i];
        var any = row.getAttribute('data-any').split(' ');
        var status = thisBuild.has(row.getAttribute('data-this')) ||
          any.some(function (key) { return anyBuild.has(key); });
        var visible = status && profiles.has(row.getAttribute('data-profile')) &&
          tests.has(row.getAttribute('data-test')) && kinds.has(row.getAttribute('data-kind')) &&
          (query === '' || row.getAttribute('data-name').indexOf(query) !== -1);
        row.hidden = !visible;
        if (visible) { shown++; }
      }
      if (count) { count.textContent = shown + ' of ' + rows.length + ' checks shown'; }
    }
    box.addEventListener('change', apply);
    if (search) { search.addEventListener('input', apply); }
    box.querySelectorAll('button[data-preset]').forEach(function (button) {
      button.addEventListener('click', function () {
        var all = button.getAttribute('data-preset') === 'all';
        box.querySelectorAll('input[data-filter="this"], input[data-filter="any"]').forEach(function (input) {
          input.checked = all || ['loss', 'gain', 'error'].indexOf(input.value) !== -1;
        });
        apply();
      });
    });
    apply();
  });

  function sortValue(row, index, numeric) {
    var cell = row.cells[index];
    if (!cell) { return null; }
    if (!numeric) { return cell.textContent.trim(); }
    var raw = cell.getAttribute('data-v');
    return raw === null || raw === '' ? null : Number(raw);
  }

  document.querySelectorAll('table.sortable').forEach(function (table) {
    var headers = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(headers, function (header, index) {
      if (!header.hasAttribute('data-sort')) { return; }
      header.tabIndex = 0;
      function sort() {
        var numeric = header.getAttribute('data-sort') === 'num';
        var ascending = header.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute('aria-sort'); });
        header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = sortValue(a, index, numeric);
          var y = sortValue(b, index, numeric);
          if (x === null || y === null) { return x === null ? (y === null ? 0 : 1) : -1; }
          var order = numeric ? x - y : x.localeCompare(y);
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      header.addEventListener('click', sort);
      header.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); sort(); }
      });
    });
  });

  // Marks a page whose script ran to the end (checked by the browser test).
  document.documentElement.setAttribute('data-ready', '1');
}());

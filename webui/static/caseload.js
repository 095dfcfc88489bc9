/* Caseload: narrow the list to the households whose name or address contains what is typed. */
(function () {
  "use strict";
  var input = document.getElementById("caseload-filter");
  if (!input) { return; }
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.caseload tbody tr"));
  input.addEventListener("input", function () {
    var wanted = input.value.trim().toLowerCase();
    rows.forEach(function (row) {
      row.hidden = wanted !== "" && row.querySelector("th").textContent.toLowerCase().indexOf(wanted) === -1;
    });
  });
})();

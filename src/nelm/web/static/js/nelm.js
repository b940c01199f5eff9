// nelm: the little JavaScript the pages need beyond htmx (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  // Add another lesion row from the <template> next to the lesion table.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-lesion]");
    if (!button) return;
    var template = document.getElementById("lesion-row-template");
    var body = document.getElementById("lesion-rows");
    if (!template || !body) return;
    var row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    var first = row.querySelector("input");
    if (first) first.focus();
  });
  // Reason box: say when a reason is required (the server checks it too).
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-needs-reason]");
    if (!select) return;
    var option = select.options[select.selectedIndex];
    var needs = option && option.getAttribute("data-concordant") === "no";
    var hint = document.getElementById("reason-hint");
    var box = document.getElementById("decision-reason");
    if (hint) hint.hidden = !needs;
    if (box) box.required = !!needs;
  });
  // Print buttons.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
})();

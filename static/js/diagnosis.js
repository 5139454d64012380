// The diagnosis on the consultation screen: the diagnosis and code boxes search the WHO ICD-10
// list (htmx fetches the list under them, clinical.consult_views.icd10_pick); tapping a line
// fills the code and its title. The diagnosis stays the doctor's words: they may change it, or
// write one without a code.
(function () {
  "use strict";

  function clearList() {
    var list = document.getElementById("icd10-pick");
    if (list) { list.innerHTML = ""; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-code]");
    var form = button ? button.closest("form") : null;
    if (!form || !form.elements.icd10_code) { return; }
    form.elements.icd10_code.value = button.dataset.pickCode;
    form.elements.diagnosis.value = button.dataset.title;
    form.elements.icd10_code.classList.remove("is-invalid");
    clearList();
    if (form.elements.plan) { form.elements.plan.focus(); }
  });

  // Escape closes the list.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var name = event.target && event.target.name;
    if (name === "diagnosis" || name === "icd10_code") { clearList(); }
  });
})();

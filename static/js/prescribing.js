// The prescription form on the consultation screen: the drug box searches the formulary (htmx
// fetches pharmacy's list under it); tapping an item fills the line with the item's words and id,
// and the quantity the pharmacy will give is shown as the doctor types (the server computes it).
(function () {
  "use strict";

  var ROUTE_OF_FORM = {
    tablet: "oral", capsule: "oral", syrup: "oral", suspension: "oral", sachet: "oral",
    infusion: "iv", cream: "topical", ointment: "topical", inhaler: "inhaled",
    suppository: "rectal",
  };

  function prescriptionForm(element) {
    var form = element && element.closest ? element.closest("form") : null;
    return form && form.id === "prescription-form" ? form : null;
  }

  function showPicked(form, picked) {
    var badge = document.getElementById("picked-item");
    if (badge) { badge.classList.toggle("d-none", !picked); }
  }

  function clearList() {
    var list = document.getElementById("formulary-pick");
    if (list) { list.innerHTML = ""; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-item]");
    var form = prescriptionForm(button);
    if (!form) { return; }
    form.elements.formulary_item.value = button.dataset.pickItem;
    form.elements.drug.value = button.dataset.drug;
    form.elements.strength.value = button.dataset.strength;
    form.elements.outside.checked = false;
    // The route follows from the dosage form where there is one; an injection is the doctor's
    // choice (intravenous, intramuscular or subcutaneous), so it is asked, never assumed.
    var route = ROUTE_OF_FORM[button.dataset.form] || "";
    if (route || form.elements.route.value === "") form.elements.route.value = route;
    showPicked(form, true);
    clearList();
    document.body.dispatchEvent(new CustomEvent("hms:item-picked"));
    form.elements.dose.focus();
  });

  // Typing the drug again undoes the pick; "not stocked here" undoes it too.
  document.addEventListener("input", function (event) {
    var form = prescriptionForm(event.target);
    if (form && event.target.name === "drug" && form.elements.formulary_item.value) {
      form.elements.formulary_item.value = "";
      showPicked(form, false);
    }
  });
  document.addEventListener("change", function (event) {
    var form = prescriptionForm(event.target);
    if (form && event.target.name === "outside" && event.target.checked) {
      form.elements.formulary_item.value = "";
      showPicked(form, false);
      clearList();
    }
  });

  // A search answered after "not stocked here" was ticked is dropped: the list would appear under
  // the drug box and push the form down while the doctor goes on typing or clicks Add.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var form = document.getElementById("prescription-form");
    if (target && target.id === "formulary-pick" && form && form.elements.outside.checked) {
      event.detail.shouldSwap = false;
    }
  });

  // The computed quantity shows in the empty quantity box as its placeholder.
  document.addEventListener("htmx:afterSwap", function () {
    var form = document.getElementById("prescription-form");
    var computed = document.querySelector("#quantity-hint [data-quantity]");
    if (form) { form.elements.quantity.placeholder = computed ? computed.dataset.quantity : ""; }
  });

  // Escape closes the list.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && prescriptionForm(event.target)) { clearList(); }
  });
})();

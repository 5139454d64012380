// The medication chart's order form: the drug box searches the formulary (htmx fetches
// pharmacy's list under it, as on the consultation screen); tapping an item fills the order's
// item and the drug box with its name. Typing the drug again undoes the pick.
(function () {
  "use strict";

  function orderForm(element) {
    var form = element && element.closest ? element.closest("form") : null;
    return form && form.id === "medication-order-form" ? form : null;
  }

  function showPicked(picked) {
    var badge = document.getElementById("picked-drug");
    if (badge) { badge.classList.toggle("d-none", !picked); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-pick-item]");
    var form = orderForm(button);
    if (!form) { return; }
    // namedItem: `elements.item` is the collection's item() method, not the field named "item".
    form.elements.namedItem("item").value = button.dataset.pickItem;
    form.elements.drug.value = (button.dataset.drug + " " + button.dataset.strength).trim();
    showPicked(true);
    var list = document.getElementById("formulary-pick");
    if (list) { list.innerHTML = ""; }
    form.elements.dose.focus();
  });

  document.addEventListener("input", function (event) {
    var form = orderForm(event.target);
    if (form && event.target.name === "drug" && form.elements.namedItem("item").value) {
      form.elements.namedItem("item").value = "";
      showPicked(false);
    }
  });
})();

// A live refresh of the chart or the round never wipes a dose being recorded: while the nurse
// is in one of its forms (a reason typed, an outcome chosen), the refresh waits for the next one.
(function () {
  "use strict";
  var PANELS = ["medication-chart", "mar-round"];

  function busy(panel) {
    var active = document.activeElement;
    if (active && panel.contains(active) && /^(INPUT|SELECT|TEXTAREA)$/.test(active.tagName)) {
      return true;
    }
    var open = panel.querySelectorAll("details[open] input[name=reason]");
    for (var i = 0; i < open.length; i += 1) {
      if (open[i].value.trim()) { return true; }
    }
    return false;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element && PANELS.indexOf(element.id) !== -1 && busy(element)) {
      event.preventDefault();
    }
  });
})();

// Choosing another ward on the round shows it at once.
document.addEventListener("change", function (event) {
  if (event.target.id === "mar-ward" && event.target.form) { event.target.form.requestSubmit(); }
});

/* Titulaires step: add and remove titulaire rows without a round trip.
   Rows are renumbered after every change so that inputs stay named titulaires-1-…,
   titulaires-2-…, in order, as the server reads them. */
(function () {
  "use strict";

  var list = document.getElementById("titulaires-liste");
  var model = document.getElementById("modele-titulaire");
  var addButton = document.getElementById("ajouter-titulaire");
  var status = document.getElementById("titulaires-statut");
  if (!list || !model || !addButton) {
    return;
  }
  var max = parseInt(list.getAttribute("data-max"), 10) || 50;
  var INDEXED = /titulaires-(\d+|__N__)-/g;

  function rows() {
    return list.querySelectorAll("fieldset.pp-titulaire");
  }

  function renumber() {
    var all = rows();
    all.forEach(function (row, i) {
      var n = String(i + 1);
      row.id = "titulaire-" + n;
      row.querySelector("legend").textContent = "Titulaire " + n;
      row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) {
            el.setAttribute(attr, value.replace(INDEXED, "titulaires-" + n + "-"));
          }
        });
      });
      var remove = row.querySelector(".pp-retirer");
      remove.querySelector(".fr-sr-only").textContent = " le titulaire " + n;
      remove.disabled = all.length === 1;
    });
    addButton.disabled = all.length >= max;
  }

  function announce(text) {
    status.textContent = text;
  }

  addButton.addEventListener("click", function () {
    if (rows().length >= max) {
      return;
    }
    var n = rows().length + 1;
    var holder = document.createElement("div");
    holder.innerHTML = model.innerHTML.replace(/__N__/g, String(n));
    var row = holder.querySelector("fieldset");
    list.appendChild(row);
    renumber();
    row.querySelector("input").focus();
    announce("Titulaire " + n + " ajouté.");
  });

  list.addEventListener("click", function (event) {
    var button = event.target.closest(".pp-retirer");
    if (!button || rows().length === 1) {
      return;
    }
    var row = button.closest("fieldset.pp-titulaire");
    row.parentNode.removeChild(row);
    renumber();
    addButton.focus();
    announce("Titulaire retiré. " + rows().length + " titulaire(s).");
  });

  renumber();
})();

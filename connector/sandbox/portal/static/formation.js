/* JDR training step: the "Formation suivie" fields apply only when the justificatif follows a
   training. With "Non", the fieldset is hidden and disabled, so its inputs are not sent. */
(function () {
  "use strict";

  var section = document.getElementById("formation-suivie");
  var radios = document.querySelectorAll('input[name="presence_formation"]');
  if (!section || !radios.length) {
    return;
  }

  function update() {
    var no = document.getElementById("presence_formation-non");
    var without = Boolean(no && no.checked);
    section.disabled = without;
    section.hidden = without;
  }

  radios.forEach(function (radio) {
    radio.addEventListener("change", update);
  });
  update();
})();

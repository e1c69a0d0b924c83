// Cart quantities submit themselves when changed: the Update buttons are for
// browsers without JavaScript, and the plain forms keep working everywhere.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(".qty-form .qty-input")) return;
    if (input.value === "" || !input.checkValidity()) return;
    input.form.requestSubmit ? input.form.requestSubmit() : input.form.submit();
  });
})();

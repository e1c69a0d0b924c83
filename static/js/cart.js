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

  // Cached pages are the same for every visitor: their header badge is empty
  // and shows the cart_count cookie, which the server rewrites whenever the
  // cart changes. Again when the page comes back from the back/forward cache.
  function showCartCount() {
    var match = document.cookie.match(/(?:^|;\s*)cart_count=(\d{1,4})(?:;|$)/);
    document.querySelectorAll('[data-cart-count="cookie"]').forEach(function (badge) {
      badge.textContent = match ? match[1] : "0";
    });
  }
  showCartCount();
  window.addEventListener("pageshow", showCartCount);
})();

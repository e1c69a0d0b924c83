// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";

  // Close an open header menu when the user clicks elsewhere or presses Escape.
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) { summary.focus(); }
    });
  });

  // Forms that ask for confirmation carry data-confirm="message".
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // The filters panel stays open on a desktop (see .filters-details in
  // static/css/src/catalog.css); on a phone it opens and closes on a tap.
  var wide = window.matchMedia("(min-width: 60rem)");
  function openFiltersOnDesktop() {
    if (!wide.matches) { return; }
    document.querySelectorAll("details.filters-details").forEach(function (details) {
      details.open = true;
    });
  }
  openFiltersOnDesktop();
  wide.addEventListener("change", openFiltersOnDesktop);
  document.querySelectorAll("details.filters-details").forEach(function (details) {
    details.addEventListener("toggle", function () {
      if (wide.matches && !details.open) { details.open = true; }
    });
  });

  // The header search's autocomplete (suggest.js, named by this script's
  // data-suggest) loads when the box is first focused: most visits never
  // type in it, so no page downloads it up front.
  var script = document.currentScript;
  var search = document.getElementById("site-search-q");
  if (script && script.dataset.suggest && search && search.dataset.suggestUrl) {
    var loadSuggest = function () {
      search.removeEventListener("focus", loadSuggest);
      var tag = document.createElement("script");
      tag.src = script.dataset.suggest;
      document.head.appendChild(tag);
    };
    search.addEventListener("focus", loadSuggest);
    if (document.activeElement === search) { loadSuggest(); }
  }

  // Selects marked data-autosubmit submit their form on change (filters).
  document.querySelectorAll("select[data-autosubmit], input[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) { el.form.requestSubmit(); } });
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

  // Hearts on cached pages carry no state: the fav cookie (the visitor's
  // favourite product ids, rewritten whenever they change) presses them;
  // again when product.js swaps the buy box.
  function showFavourites() {
    var m = document.cookie.match(/(?:^|;\s*)fav=([0-9.]+)/), ids = m ? m[1].split(".") : [];
    document.querySelectorAll("button.fav").forEach(function (b) {
      b.setAttribute("aria-pressed", ids.indexOf(b.value) >= 0);
    });
  }
  showFavourites();
  window.addEventListener("pageshow", showFavourites);
  document.addEventListener("taawon:buybox", showFavourites);
})();

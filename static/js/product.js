// A product page's sizes are links that reload the page with that size; here
// the buy box (price, stock, quantity, money split) is swapped in place
// instead, and the address follows, so Back and sharing keep working.
(function () {
  "use strict";
  function swap(url, focusSku) {
    var box = document.querySelector(".buy-box");
    if (!box) { window.location.href = url; return; }
    box.setAttribute("aria-busy", "true");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".buy-box");
        if (!fresh) { throw new Error("no buy box"); }
        box.replaceWith(fresh);
        document.dispatchEvent(new Event("taawon:buybox"));
        var chosen = fresh.querySelector('.variant-option[data-variant="' + focusSku + '"]');
        if (chosen) { chosen.focus(); }
      })
      .catch(function () { window.location.href = url; });
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".buy-box a.variant-option");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    event.preventDefault();
    if (link.classList.contains("is-chosen")) { return; }
    history.replaceState(null, "", link.href);
    swap(link.href, link.getAttribute("data-variant"));
  });
})();

// Autocomplete for the header search box (progressive enhancement: without
// this file the box is a plain GET form). An ARIA 1.2 combobox with a listbox.
// taawon.js loads this file when the box is first focused.
(function () {
  "use strict";

  var input = document.getElementById("site-search-q");
  if (!input || !input.dataset.suggestUrl || !window.fetch) { return; }
  var form = input.form;
  var pageLang = document.documentElement.lang;
  var list = document.createElement("ul");
  list.id = "site-search-suggestions";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  form.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-controls", list.id);
  input.setAttribute("aria-expanded", "false");

  var active = -1;
  var timer = null;
  var controller = null;

  function options() { return list.querySelectorAll("[role=option]"); }

  function close() {
    list.hidden = true;
    list.textContent = "";
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    var items = options();
    if (!items.length) { return; }
    active = (index + items.length) % items.length;
    items.forEach(function (item, i) { item.setAttribute("aria-selected", i === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", items[active].id);
    items[active].scrollIntoView({ block: "nearest" });
  }

  function render(suggestions) {
    list.textContent = "";
    active = -1;
    input.removeAttribute("aria-activedescendant");
    suggestions.forEach(function (suggestion, i) {
      var item = document.createElement("li");
      item.id = "site-search-suggestion-" + i;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.dataset.url = suggestion.url;
      var label = document.createElement("span");
      // A name shown in another language than the page's (the product has
      // none in it) is marked with its own language and direction, as the
      // product pages mark it.
      if (suggestion.lang && suggestion.lang !== pageLang) {
        label.lang = suggestion.lang;
        label.dir = suggestion.dir || "auto";
      }
      label.textContent = suggestion.label;
      item.appendChild(label);
      // mousedown, not click: it runs before the input loses focus.
      item.addEventListener("mousedown", function (event) {
        event.preventDefault();
        window.location.assign(suggestion.url);
      });
      list.appendChild(item);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
  }

  function fetchSuggestions() {
    var text = input.value.trim();
    if (text.length < 2) { close(); return; }
    if (controller) { controller.abort(); }
    controller = new AbortController();
    var url = input.dataset.suggestUrl + "?q=" + encodeURIComponent(text);
    fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
      .then(function (data) { if (input.value.trim() === text) { render(data.suggestions || []); } })
      .catch(function () { /* aborted or offline: the form still submits */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(fetchSuggestions, 150);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      if (list.hidden) { fetchSuggestions(); } else { highlight(active + 1); }
      event.preventDefault();
    } else if (event.key === "ArrowUp" && !list.hidden) {
      highlight(active - 1);
      event.preventDefault();
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      window.location.assign(options()[active].dataset.url);
    } else if (event.key === "Escape" && !list.hidden) {
      // Close the list only: a search input would also clear what was typed.
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 100); });
  // Loaded on the box's first focus (taawon.js): what was typed meanwhile counts.
  if (document.activeElement === input && input.value.trim().length >= 2) { fetchSuggestions(); }
})();

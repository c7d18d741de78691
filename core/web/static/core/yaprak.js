// Yaprak's page script: CSRF for htmx, confirmations, Tom Select on marked selects. No build
// step.
// window.yaprak.enhance(element) applies the enhancements to content added by other scripts.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx sends the CSRF token with every request it makes (the server checks it on every
  // unsafe request made with the session; GETs ignore it). htmx 4 would not inherit hx-headers,
  // so the header is set here, once, for every request.
  document.addEventListener("htmx:configRequest", function (event) {
    var token = csrfToken();
    if (token) {
      event.detail.headers["X-CSRFToken"] = token;
    }
  });

  // A button with data-confirm asks before its form is sent (deleting, bulk actions).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  // <select data-yaprak-autocomplete> becomes a Tom Select: its options, searched as you type.
  function enhance(root) {
    if (typeof window.TomSelect === "undefined") {
      return;
    }
    root.querySelectorAll("select[data-yaprak-autocomplete]").forEach(function (select) {
      if (!select.tomselect) {
        new window.TomSelect(select, { maxOptions: 100, allowEmptyOption: true });
      }
    });
  }

  window.yaprak = { csrfToken: csrfToken, enhance: enhance };
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();

// Marks an award "expired" once its expiry date has passed. The page is static
// and not rebuilt daily, so only the reader's clock can tell.
(function () {
  "use strict";
  var box = document.getElementById("status");
  if (!box) return;
  var expires = Date.parse(box.getAttribute("data-expires"));
  if (isNaN(expires) || Date.now() < expires) return;
  box.classList.remove("status-valid");
  box.classList.add("status-expired");
  box.querySelectorAll("[data-expired-text]").forEach(function (el) {
    el.textContent = el.getAttribute("data-expired-text");
  });
})();

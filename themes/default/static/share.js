// Copy buttons of an award's sharing panel, one after each value marked data-copy-label.
// They are made here, not in the HTML (which every award repeats): without this script
// every value stays on the page, to select and copy by hand.
(function () {
  "use strict";
  var values = document.querySelectorAll("[data-copy-label]");
  var status = document.getElementById("share-status");
  // Translated by the page's messages script (templates/verify_messages.js), loaded first.
  var messages = (window.sitegenVerify || {}).messages || {};
  if (!values.length || !status) return;
  var buttons = [];

  function copyWithSelection(text) {
    // For pages opened over plain http, where the Clipboard API is missing.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (error) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return copyWithSelection(text);
      });
    }
    return copyWithSelection(text);
  }

  function announce(message, failed) {
    // Emptied first so that a second copy is announced again.
    status.textContent = "";
    status.classList.toggle("is-failed", failed);
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  values.forEach(function (value) {
    var button = document.createElement("button");
    var what = document.createElement("span");
    button.type = "button";
    button.className = "copy-button";
    button.setAttribute("data-copy", value.textContent);
    button.textContent = messages.copy || "Copy";
    what.className = "visually-hidden";
    what.textContent = " (" + value.getAttribute("data-copy-label") + ")";
    button.appendChild(what);
    value.after(" ", button);
    buttons.push(button);
    button.addEventListener("click", function () {
      copy(button.getAttribute("data-copy")).then(function () {
        buttons.forEach(function (other) { other.classList.remove("is-copied"); });
        button.classList.add("is-copied");
        announce(messages.copied || "Copied.", false);
      }, function () {
        announce(messages.copyFailed || "Copying failed.", true);
      });
    });
  });
})();

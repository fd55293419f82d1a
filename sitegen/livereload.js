/* sitegen serve: reload the page after each good build, show build errors over it.
 *
 * Served by `sitegen serve` at /__sitegen__/livereload.js and added to the
 * pages it serves; never part of a built site. A file of its own because the
 * pages' Content-Security-Policy allows only same-origin scripts. Messages
 * quote the site's content, so text goes in with textContent only.
 */
(function () {
  "use strict";

  var OVERLAY_ID = "sitegen-build-errors";
  var script = document.currentScript;
  var epoch = Number(script && script.getAttribute("data-epoch"));
  if (!Number.isFinite(epoch)) {
    epoch = -1;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  // Style properties rather than a style attribute: the pages' CSP
  // (style-src 'self') blocks style attributes but not the CSSOM. Every
  // element sets what the site's own stylesheet might have changed.
  function element(tag, styles, text) {
    var node = document.createElement(tag);
    Object.keys(styles).forEach(function (name) {
      node.style.setProperty(name, styles[name]);
    });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function problem(item) {
    var row = element("li", { "margin": "0 0 0.6em 0", "padding": "0", "color": "#ffffff" });
    if (item.location) {
      row.appendChild(element("code", {
        "font-family": "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
        "background": "rgba(255, 255, 255, 0.16)", "color": "#ffffff",
        "padding": "0.05em 0.35em", "border-radius": "3px", "margin-right": "0.5em",
        "overflow-wrap": "anywhere"
      }, item.location));
    }
    var label = item.severity === "warning" ? "warning" : "error";
    row.appendChild(element("span", {}, label + (item.code ? " [" + item.code + "]" : "") +
      ": " + item.message));
    if (item.hint) {
      row.appendChild(element("div", { "margin-top": "0.15em", "color": "#ffe4e4" },
        "hint: " + item.hint));
    }
    return row;
  }

  function render(status) {
    var old = document.getElementById(OVERLAY_ID);
    if (old) {
      old.remove();
    }
    if (status.ok) {
      return;
    }
    var box = element("section", {
      "position": "fixed", "left": "0", "right": "0", "bottom": "0",
      "z-index": "2147483647", "max-height": "60vh", "overflow": "auto",
      "margin": "0", "width": "auto", "max-width": "none",
      "box-sizing": "border-box", "padding": "1rem 1.25rem",
      "background": "#7a1010", "color": "#ffffff", "border-top": "4px solid #f87171",
      "box-shadow": "0 -4px 16px rgba(0, 0, 0, 0.35)", "text-align": "left",
      "font": "15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    });
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    box.setAttribute("aria-labelledby", OVERLAY_ID + "-title");
    var title = element("h2", { "margin": "0 0 0.3em 0", "padding": "0", "border": "0",
      "font": "inherit", "font-size": "1.1em", "font-weight": "700", "color": "#ffffff" },
      status.internal ? "sitegen: internal error during the build"
        : "sitegen: the build failed");
    title.id = OVERLAY_ID + "-title";
    var note = element("p", { "margin": "0 0 0.8em 0", "padding": "0", "color": "#ffffff",
      "max-width": "none" }, status.has_site
      ? "This page shows the last version that built. Fix the problems below: " +
        "it reloads by itself once the site builds again."
      : "Nothing has built yet. Fix the problems below: this page reloads by itself " +
        "once the site builds.");
    var list = element("ul", { "margin": "0 0 0.8em 0", "padding-left": "1.2em" });
    (status.errors || []).forEach(function (item) { list.appendChild(problem(item)); });
    var hide = element("button", {
      "font": "inherit", "font-weight": "600", "cursor": "pointer",
      "background": "#ffffff", "color": "#7a1010", "border": "0",
      "border-radius": "4px", "padding": "0.3em 0.9em"
    }, "Hide");
    hide.type = "button";
    hide.addEventListener("click", function () { box.remove(); });
    box.append(title, note, list, hide);
    document.body.appendChild(box);
  }

  // True to keep watching, false once the page is reloading.
  function update(status, first) {
    if (status.epoch !== epoch && status.ok) {
      window.location.reload();
      return false;
    }
    if (first || status.epoch !== epoch) {
      epoch = status.epoch;
      render(status);
    }
    return true;
  }

  // Browsers open few connections per server (six in Chromium) and every
  // long-poll holds one: hidden tabs stop polling, so that many open tabs
  // cannot starve the visible one. They catch up when shown again.
  var pending = null;
  document.addEventListener("visibilitychange", function () {
    if (document.hidden && pending) {
      pending.abort();
    }
  });

  function shown() {
    return new Promise(function (resolve) {
      if (!document.hidden) {
        resolve();
        return;
      }
      document.addEventListener("visibilitychange", function wait() {
        if (!document.hidden) {
          document.removeEventListener("visibilitychange", wait);
          resolve();
        }
      });
    });
  }

  async function watch() {
    var url = "/__sitegen__/status";
    var first = true;
    var pause = 500;
    for (;;) {
      await shown();
      pending = new AbortController();
      try {
        var response = await fetch(url, { cache: "no-store", signal: pending.signal });
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        if (!update(await response.json(), first)) {
          return;
        }
        first = false;
        pause = 500;
        url = "/__sitegen__/livereload?epoch=" + encodeURIComponent(String(epoch));
      } catch (error) {
        if (error && error.name === "AbortError") {
          continue; // hidden: wait until shown, then ask again
        }
        // The server is restarting or stopped: ask again, less and less often.
        await sleep(pause);
        pause = Math.min(pause * 2, 5000);
      }
    }
  }

  watch();
}());

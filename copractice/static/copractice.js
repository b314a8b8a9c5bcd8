// Move focus to an error summary when a page has one, so screen-reader and keyboard users hear it first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
});

// Buttons marked data-print open the browser's print dialogue (no inline script: the CSP forbids it).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) { window.print(); }
});

// The check-in screen refreshes its code and QR code as they change (every minute).
(function () {
  var box = document.querySelector("[data-checkin-url]");
  if (!box) { return; }
  var code = box.querySelector("[data-checkin-code]");
  var qr = box.querySelector("[data-checkin-qr]");
  var seconds = box.querySelector("[data-checkin-seconds]");
  function refresh() {
    fetch(box.getAttribute("data-checkin-url"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var shown = data.code.slice(0, 3) + " " + data.code.slice(3);
        if (code.textContent.trim() !== shown) { code.textContent = shown; qr.innerHTML = data.svg; }
        seconds.textContent = data.seconds_left;
      })
      .catch(function () {});
  }
  setInterval(refresh, 5000);
})();

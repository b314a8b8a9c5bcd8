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

// The phone menu: on narrow screens the main menu folds behind a "Menu" button (CSS under .js-menu), so
// the page's content starts on the first screen. Without this script the button stays hidden and the menu open.
(function () {
  var button = document.querySelector("[data-menu-toggle]");
  var menu = button && document.getElementById(button.getAttribute("aria-controls"));
  if (!menu) { return; }
  function setOpen(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("header__nav--open", open);
  }
  setOpen(false);
  button.hidden = false;
  document.documentElement.classList.add("js-menu");
  button.addEventListener("click", function () {
    setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  // Escape closes the open menu and puts the keyboard back on its button.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true" && getComputedStyle(button).display !== "none") {
      setOpen(false);
      button.focus();
    }
  });
})();

// Move focus to an error summary when a page has one, so screen-reader and keyboard users hear it first.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-autofocus]");
  if (summary) { summary.focus(); }
});

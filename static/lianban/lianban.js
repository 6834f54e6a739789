// Confirmation before irreversible steps: any submit button with data-lb-confirm asks first.
(function () {
  if (window.lianbanConfirm) return;
  window.lianbanConfirm = true;
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-lb-confirm]");
    if (button && !window.confirm(button.getAttribute("data-lb-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
})();

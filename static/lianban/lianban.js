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

// Fields that belong to some choices only: a field rendered with data-lb-show-when="decision=decline,forward"
// shows only while its form's `decision` is one of those (the server ignores it otherwise). Read after
// the widget has taken the user's choice, whatever event it fires.
(function () {
  if (window.lianbanShowWhen) return;
  window.lianbanShowWhen = true;

  function chosen(form, name) {
    const checked = form.querySelector(`input[name="${name}"]:checked`);
    if (checked) return checked.value;
    const input = form.querySelector(`input[name="${name}"], select[name="${name}"]`);
    return input ? input.value : "";
  }

  function update() {
    document.querySelectorAll("[data-lb-show-when]").forEach(function (field) {
      const form = field.closest("form");
      if (!form) return;
      const [name, values] = field.getAttribute("data-lb-show-when").split("=");
      const shown = values.split(",").includes(chosen(form, name));
      field.style.display = shown ? "" : "none";
      field.setAttribute("aria-hidden", shown ? "false" : "true");
    });
  }

  const later = function () { window.setTimeout(update, 0); };
  ["change", "input", "click", "keyup", "MDCSelect:change"].forEach(function (type) {
    document.addEventListener(type, later, true);
  });
  ["DOMContentLoaded", "turbo:load", "turbo:render"].forEach(function (type) {
    document.addEventListener(type, update);
  });
  update();
})();

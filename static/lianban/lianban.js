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

// Long work: a submit button with data-lb-busy="正在导入……" says so once its form is sent, and cannot be
// pressed twice while the server works (the page that answers replaces it).
(function () {
  if (window.lianbanBusy) return;
  window.lianbanBusy = true;
  document.addEventListener("submit", function (event) {
    const button = event.submitter;
    if (!button || !button.hasAttribute("data-lb-busy") || event.defaultPrevented) return;
    const label = button.querySelector(".mdc-button__label") || button;
    setTimeout(function () {  // after the browser has taken the form's data
      button.disabled = true;
      label.textContent = button.getAttribute("data-lb-busy");
      button.setAttribute("aria-busy", "true");
    }, 0);
  });
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

// The process chart (templates/lianban/_flow_chart.html): 放大/缩小 in steps of the viewport's width,
// 适应宽度 back to the whole chart, Ctrl + wheel to zoom, drag to move. Labels are legible from 200%.
(function () {
  if (window.lianbanChart) return;
  window.lianbanChart = true;
  const STEPS = [1, 1.5, 2, 2.5, 3, 4];

  function zoom(chart, step) {
    const image = chart.querySelector(".lb-chart");
    const viewport = chart.querySelector("[data-lb-chart-viewport]");
    const centre = (viewport.scrollLeft + viewport.clientWidth / 2) / Math.max(image.clientWidth, 1);
    const middle = (viewport.scrollTop + viewport.clientHeight / 2) / Math.max(image.clientHeight, 1);
    chart.dataset.step = String(step);
    image.style.width = `${STEPS[step] * 100}%`;
    viewport.scrollLeft = centre * image.clientWidth - viewport.clientWidth / 2;
    viewport.scrollTop = middle * image.clientHeight - viewport.clientHeight / 2;
    chart.querySelector("[data-lb-chart-scale]").textContent = `${STEPS[step] * 100}%`;
  }

  function stepOf(chart) { return Number(chart.dataset.step || 0); }

  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-lb-chart-zoom]");
    if (!button) return;
    const chart = button.closest("[data-lb-chart]");
    const how = button.getAttribute("data-lb-chart-zoom");
    const step = how === "fit" ? 0 : Math.min(Math.max(stepOf(chart) + (how === "in" ? 1 : -1), 0), STEPS.length - 1);
    zoom(chart, step);
  });

  document.addEventListener("wheel", function (event) {
    const viewport = event.target.closest("[data-lb-chart-viewport]");
    if (!viewport || !event.ctrlKey) return;
    event.preventDefault();
    const chart = viewport.closest("[data-lb-chart]");
    zoom(chart, Math.min(Math.max(stepOf(chart) + (event.deltaY < 0 ? 1 : -1), 0), STEPS.length - 1));
  }, { passive: false });

  let drag = null;
  document.addEventListener("pointerdown", function (event) {
    const viewport = event.target.closest("[data-lb-chart-viewport]");
    if (!viewport || event.button !== 0) return;
    drag = { viewport, x: event.clientX, y: event.clientY, left: viewport.scrollLeft, top: viewport.scrollTop };
    viewport.classList.add("is-dragging");
  });
  document.addEventListener("pointermove", function (event) {
    if (!drag) return;
    drag.viewport.scrollLeft = drag.left - (event.clientX - drag.x);
    drag.viewport.scrollTop = drag.top - (event.clientY - drag.y);
  });
  document.addEventListener("pointerup", function () {
    if (drag) drag.viewport.classList.remove("is-dragging");
    drag = null;
  });
})();

// A job's progress (the screening import's page): an element with data-lb-progress-url polls that JSON
// ({state_label, done, total, finished}) every second, moves its <progress> bar and its 已处理 count, and
// reloads the page once the job has finished (the server then shows the result). It stops when the
// element leaves the page.
(function () {
  if (window.lianbanProgress) return;
  window.lianbanProgress = true;

  function poll(box) {
    if (!box.isConnected) return;
    fetch(box.getAttribute("data-lb-progress-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!box.isConnected) return;
        if (job) {
          const bar = box.querySelector("progress");
          if (bar) { bar.max = Math.max(job.total, 1); bar.value = job.done; }
          const done = box.querySelector("[data-lb-progress-done]");
          if (done) done.textContent = job.done;
          const state = box.querySelector("[data-lb-progress-state]");
          if (state) state.textContent = job.state_label;
          if (job.finished) { window.location.reload(); return; }
        }
        window.setTimeout(function () { poll(box); }, 1000);
      })
      .catch(function () { window.setTimeout(function () { poll(box); }, 3000); });
  }

  function start() {
    document.querySelectorAll("[data-lb-progress-url]:not([data-lb-polling])").forEach(function (box) {
      box.setAttribute("data-lb-polling", "");
      window.setTimeout(function () { poll(box); }, 500);
    });
  }
  ["DOMContentLoaded", "turbo:load", "turbo:render"].forEach(function (type) {
    document.addEventListener(type, start);
  });
  if (document.readyState !== "loading") start();
})();

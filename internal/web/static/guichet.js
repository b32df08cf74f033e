// Guichet: small enhancements. Every page works without this script.
(function () {
  "use strict";
  // Move to the error summary, so that screen readers announce it first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }
  // Links of the summary focus their field, not just scroll to it.
  document.querySelectorAll(".error-summary a[href^='#']").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var target = document.getElementById(link.getAttribute("href").slice(1));
      if (target) {
        event.preventDefault();
        target.focus();
        target.scrollIntoView({ block: "center" });
      }
    });
  });

  // Conditional fields: shown while the JSON Schema condition of their
  // data-condition holds for the answers of their group. The server applies
  // the same schema and drops the answers of hidden fields.
  // The form is the one holding the fields, not the first of the page:
  // for a signed-in person, that is the sign-out form of the header.
  var conditionals = document.querySelectorAll("[data-condition]");
  var form = conditionals.length ? conditionals[0].closest("form") : null;
  if (!form) {
    return;
  }
  function answer(name) {
    var inputs = form.querySelectorAll("[name='" + name.replace(/'/g, "\\'") + "']");
    if (inputs.length === 0) {
      return undefined;
    }
    var first = inputs[0];
    if (first.type === "radio") {
      var checked = form.querySelector("[name='" + name + "']:checked");
      return checked ? checked.value : undefined;
    }
    if (first.type === "checkbox") {
      if (inputs.length === 1 && first.value === "true") {
        return first.checked;
      }
      var values = [];
      inputs.forEach(function (i) { if (i.checked) { values.push(i.value); } });
      return values.length ? values : undefined;
    }
    return first.value === "" ? undefined : first.value;
  }
  function same(expected, actual) {
    if (typeof expected === "number") {
      return Number(String(actual).replace(/[\s\u00a0]/g, "").replace(",", ".")) === expected;
    }
    if (typeof expected === "boolean") {
      return actual === expected || String(actual) === String(expected);
    }
    return String(actual) === String(expected);
  }
  function matches(schema, scope) {
    if (!schema || typeof schema !== "object") {
      return true;
    }
    var ok = true;
    (schema.required || []).forEach(function (name) {
      if (answer(scope + name) === undefined) { ok = false; }
    });
    Object.keys(schema.properties || {}).forEach(function (name) {
      var rule = schema.properties[name];
      var value = answer(scope + name);
      if (value === undefined) {
        return;
      }
      var number = Number(String(value).replace(/[\s\u00a0]/g, "").replace(",", "."));
      if ("const" in rule && !same(rule["const"], value)) { ok = false; }
      if (rule["enum"] && !rule["enum"].some(function (e) { return same(e, value); })) { ok = false; }
      if ("minimum" in rule && !(number >= rule.minimum)) { ok = false; }
      if ("maximum" in rule && !(number <= rule.maximum)) { ok = false; }
      if ("exclusiveMinimum" in rule && !(number > rule.exclusiveMinimum)) { ok = false; }
      if ("exclusiveMaximum" in rule && !(number < rule.exclusiveMaximum)) { ok = false; }
    });
    return ok;
  }
  function update() {
    conditionals.forEach(function (el) {
      var c = JSON.parse(el.getAttribute("data-condition"));
      var shown = c.present ? answer(c.scope + c.present) !== undefined : matches(c["if"], c.scope) !== Boolean(c.negate);
      el.hidden = !shown;
      el.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = !shown; });
    });
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();

// Copy buttons (data-copy names the field to copy) show only with
// JavaScript; without it the field is there to select and copy by hand.
document.querySelectorAll("button[data-copy]").forEach(function (button) {
  var field = document.getElementById(button.getAttribute("data-copy"));
  if (!field || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      var status = document.getElementById("copy-status");
      if (status) status.textContent = button.getAttribute("data-copied");
    }, function () {
      field.select();
    });
  });
});

// Forms that undo work ask first (data-confirm); without JavaScript they
// go straight through.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) event.preventDefault();
});

// Guichet: small enhancements. Every page works without this script.

// formFields are what a form sends, files aside, as the browser would
// send them (with the button pressed, if any), for a request the page
// makes itself.
function formFields(form, submitter) {
  var body = new URLSearchParams();
  new FormData(form, submitter).forEach(function (v, k) { if (typeof v === "string") body.append(k, v); });
  return body.toString();
}

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
  // the same schema with gojsonschema and drops the answers of hidden
  // fields; app's TestConditionsFollowTheSuite holds the two to the same
  // verdicts.
  // The form is the one holding the fields, not the first of the page:
  // for a signed-in person, that is the sign-out form of the header.
  var conditionals = document.querySelectorAll("[data-condition]");
  var form = conditionals.length ? conditionals[0].closest("form") : null;
  if (!form) {
    return;
  }
  function inputsOf(name) {
    return form.querySelectorAll("[name='" + name.replace(/'/g, "\\'") + "']");
  }
  function answer(name) {
    var inputs = inputsOf(name);
    if (inputs.length === 0) {
      return undefined;
    }
    var first = inputs[0];
    if (first.type === "radio") {
      var checked = Array.prototype.find.call(inputs, function (i) { return i.checked; });
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
  // typed reads an answer as the server does (webform's parseValue): a
  // text trimmed, a number written the French way, a list of choices.
  function typed(value, type) {
    if (type === "boolean") {
      return value === true || String(value).trim() === "true";
    }
    if (value === undefined || typeof value === "boolean") {
      return value;
    }
    if (Array.isArray(value)) {
      return value.map(function (v) { return typed(v, type.replace(/\[\]$/, "")); });
    }
    var text = String(value).trim();
    if (text === "") {
      return undefined;
    }
    if (type === "number" || type === "integer") {
      var clean = text.replace(/[ \u00a0\u202f]/g, "").replace(/,/g, ".");
      if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(clean)) {
        return Number(clean);
      }
    }
    return text;
  }
  // equal is JSON equality: 1 and 1.0 are the same number.
  function equal(a, b) {
    if (Array.isArray(a) || Array.isArray(b)) {
      return Array.isArray(a) && Array.isArray(b) && a.length === b.length &&
        a.every(function (v, i) { return equal(v, b[i]); });
    }
    if (isObject(a) || isObject(b)) {
      if (!isObject(a) || !isObject(b) || Object.keys(a).length !== Object.keys(b).length) {
        return false;
      }
      return Object.keys(a).every(function (k) { return k in b && equal(a[k], b[k]); });
    }
    return a === b;
  }
  function isObject(v) {
    return v !== null && typeof v === "object" && !Array.isArray(v);
  }
  function hasType(type, v) {
    switch (type) {
    case "integer": return typeof v === "number" && Number.isInteger(v);
    case "number": return typeof v === "number";
    case "null": return v === null;
    case "array": return Array.isArray(v);
    case "object": return isObject(v);
    default: return typeof v === type;
    }
  }
  // valid tells whether v satisfies schema, for the keywords a condition
  // may use (builder's conditionKeywords, checked at publication).
  function valid(schema, v) {
    if (schema === true || schema === undefined) {
      return true;
    }
    if (schema === false) {
      return false;
    }
    var s = schema;
    var checks = [
      !("type" in s) || [].concat(s.type).some(function (t) { return hasType(t, v); }),
      !("const" in s) || equal(s["const"], v),
      !s["enum"] || s["enum"].some(function (e) { return equal(e, v); }),
      !s.allOf || s.allOf.every(function (sub) { return valid(sub, v); }),
      !s.anyOf || s.anyOf.some(function (sub) { return valid(sub, v); }),
      !s.oneOf || s.oneOf.filter(function (sub) { return valid(sub, v); }).length === 1,
      !("not" in s) || !valid(s.not, v)
    ];
    if (typeof v === "number") {
      checks.push(!("minimum" in s) || v >= s.minimum, !("maximum" in s) || v <= s.maximum,
        !("exclusiveMinimum" in s) || v > s.exclusiveMinimum, !("exclusiveMaximum" in s) || v < s.exclusiveMaximum);
    }
    if (typeof v === "string") {
      var length = Array.from(v).length;
      checks.push(!("minLength" in s) || length >= s.minLength, !("maxLength" in s) || length <= s.maxLength);
    }
    if (Array.isArray(v)) {
      checks.push(!("minItems" in s) || v.length >= s.minItems, !("maxItems" in s) || v.length <= s.maxItems,
        !("contains" in s) || v.some(function (item) { return valid(s.contains, item); }));
    }
    if (isObject(v)) {
      checks.push((s.required || []).every(function (name) { return name in v; }),
        Object.keys(s.properties || {}).every(function (name) { return !(name in v) || valid(s.properties[name], v[name]); }));
    }
    return checks.every(Boolean);
  }
  // answers are the typed answers of the condition's group that the page
  // holds; a yes-or-no question is always answered, unchecked is no.
  function answers(c) {
    var data = {};
    Object.keys(c.types || {}).forEach(function (name) {
      if (inputsOf(c.scope + name).length === 0) {
        return;
      }
      var v = typed(answer(c.scope + name), c.types[name]);
      if (v !== undefined) {
        data[name] = v;
      }
    });
    return data;
  }
  function update() {
    conditionals.forEach(function (el) {
      var c = JSON.parse(el.getAttribute("data-condition"));
      var shown = c.present ? answer(c.scope + c.present) !== undefined : valid(c["if"], answers(c)) !== Boolean(c.negate);
      el.hidden = !shown;
      el.querySelectorAll("input, select, textarea").forEach(function (i) { i.disabled = !shown; });
    });
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();

// Long lists (select[data-autocomplete], such as the communes) become a
// field that proposes the answers matching a few letters typed, accents
// and case aside: GOV.UK's accessible-autocomplete, loaded only on pages
// that have such a list. The select stays in the page and is what is
// posted; without JavaScript, it is shown as it is.
(function () {
  var selects = document.querySelectorAll("select[data-autocomplete]");
  if (!selects.length) return;
  var french = document.documentElement.lang !== "en";
  function fold(s) {
    return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/œ/g, "oe").replace(/æ/g, "ae").toLowerCase();
  }
  function enhance() {
    selects.forEach(function (select) {
      var labels = [].filter.call(select.options, function (o) { return o.value; }).map(function (o) { return o.textContent; });
      var folded = labels.map(fold);
      var chosen = select.selectedIndex > 0 ? select.options[select.selectedIndex].textContent : "";
      window.accessibleAutocomplete.enhanceSelectElement({
        selectElement: select,
        defaultValue: chosen,
        minLength: 1,
        // A name matches by its start first, then by any word's start.
        source: function (query, populate) {
          var q = fold(query.trim());
          var starts = [], words = [];
          folded.forEach(function (name, i) {
            if (name.indexOf(q) === 0) starts.push(labels[i]);
            else if (name.split(/[\s'’-]+/).some(function (w) { return w.indexOf(q) === 0; })) words.push(labels[i]);
          });
          populate(starts.concat(words));
        },
        onConfirm: function (label) {
          var option = [].find.call(select.options, function (o) { return o.value && o.textContent === label; });
          if (!option) return;
          option.selected = true;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        },
        tNoResults: function () { return french ? "Aucun résultat" : "No results found"; },
        tStatusQueryTooShort: function (n) {
          return french ? "Tapez au moins " + n + " caractère pour voir des propositions" : "Type in " + n + " or more characters for results";
        },
        tStatusNoResults: function () { return french ? "Aucun résultat" : "No search results"; },
        tStatusSelectedOption: function (option, length, index) {
          return french ? option + " (" + (index + 1) + " sur " + length + ") est en surbrillance" : option + " " + (index + 1) + " of " + length + " is highlighted";
        },
        tStatusResults: function (length, selected) {
          if (french) return (length === 1 ? "1 résultat disponible. " : length + " résultats disponibles. ") + selected;
          return (length === 1 ? "1 result is available. " : length + " results are available. ") + selected;
        },
        tAssistiveHint: function () {
          return french ? "Quand des propositions s'affichent, parcourez-les avec les flèches haut et bas, et choisissez avec Entrée. Sur un écran tactile, explorez au toucher ou par balayage."
            : "When autocomplete results are available use up and down arrows to review and enter to select. Touch device users, explore by touch or with swipe gestures.";
        }
      });
      var input = document.getElementById(select.id.replace(/-select$/, ""));
      if (!input) return;
      // The field keeps the select's hint and error, which the script
      // would drop whenever it redraws its own hint.
      var described = select.getAttribute("aria-describedby");
      if (described) {
        var describe = function () {
          var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
          if (ids.indexOf(described.split(" ")[0]) < 0) input.setAttribute("aria-describedby", ids.concat(described.split(" ")).join(" "));
        };
        describe();
        new MutationObserver(describe).observe(input, { attributes: true, attributeFilter: ["aria-describedby"] });
      }
      if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", "true");
      // Emptied, the field chooses nothing, rather than its last choice.
      input.addEventListener("blur", function () {
        if (input.value.trim() === "" && select.value !== "") {
          select.value = "";
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
      });
    });
  }
  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = "/static/vendor/accessible-autocomplete.min.css";
  document.head.appendChild(style);
  var script = document.createElement("script");
  script.src = "/static/vendor/accessible-autocomplete.min.js";
  script.onload = enhance;
  document.head.appendChild(script);
})();

// As the answers are typed, a form with calculated fields or checks
// across answers (form[data-live]) asks the server for them: the
// calculated values shown are those it will store, and a check's refusal
// shows under its field before the page is sent. Files are not sent.
// Without JavaScript, both come when the page is posted.
(function () {
  var form = document.querySelector("form[data-live]");
  if (!form) return;
  var url = form.getAttribute("data-live");
  var timer = null, asked = 0;
  function container(name) {
    var control = form.querySelector('[name="' + CSS.escape(name) + '"]');
    return control && control.closest(".field, fieldset");
  }
  function show(answer) {
    Object.keys(answer.values || {}).forEach(function (name) {
      var output = form.querySelector('output[data-calculated="' + CSS.escape(name) + '"]');
      if (output) output.textContent = answer.values[name] || "—";
    });
    form.querySelectorAll("p.live-check").forEach(function (p) {
      if (!answer.checks || !answer.checks[p.getAttribute("data-field")]) p.remove();
    });
    Object.keys(answer.checks || {}).forEach(function (name) {
      var place = container(name);
      if (!place) return;
      var p = place.querySelector("p.live-check");
      if (!p) {
        p = document.createElement("p");
        p.className = "live-check error-message";
        p.setAttribute("role", "status");
        p.setAttribute("data-field", name);
        place.appendChild(p);
      }
      p.textContent = answer.checks[name];
    });
  }
  function ask() {
    var mine = ++asked;
    fetch(url, { method: "POST", body: formFields(form), credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) { if (answer && mine === asked) show(answer); })
      .catch(function () {});
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();

// In a frame on another site (see /static/embed.js), the page says its
// height to the page around it, whenever it changes, so that the frame
// fits it.
(function () {
  if (window.parent === window || !window.ResizeObserver) return;
  function say() {
    window.parent.postMessage({ guichet: "height", height: document.documentElement.scrollHeight }, "*");
  }
  new ResizeObserver(say).observe(document.body);
  say();
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

// The builder's form page (#form-editor) works in place with JavaScript:
// - its forms (move, duplicate, delete, undo and redo, unpublish,
//   archive) are sent in the background, and the part of the page the
//   server answers with takes the place of this one's; the preview beside
//   loads again;
// - "Modifier" opens the field's own form under it, which saves by itself
//   as it is changed, says "Saved" or why not, and keeps what was typed
//   when a save fails;
// - "Ajouter un champ" opens the new field's form under the button;
// - fields move by drag and drop too, through the "Déplacer" form, or
//   "Monter" and "Descendre" when two fields have no picker.
// Without JavaScript, the same forms and links load the pages they name.
// It comes after the confirmation above, which it lets refuse a form.
(function () {
  if (!document.getElementById("form-editor")) return;
  function region() { return document.getElementById("form-editor"); }
  function say(key) { return region().getAttribute("data-" + key); }
  function parse(html) { return new DOMParser().parseFromString(html, "text/html"); }
  // announcer says what a change did: it stays in the page while the
  // region around the fields is replaced, so screen readers hear it.
  var announcer = document.createElement("p");
  announcer.className = "visually-hidden";
  announcer.setAttribute("role", "status");
  document.body.appendChild(announcer);
  function reasonsIn(page) {
    return [].map.call(page.querySelectorAll(".error-summary li"), function (li) { return li.textContent.trim(); }).join(" ");
  }
  // post sends a form's fields, following the server's redirection, and
  // gives its answer with the page it holds.
  function post(form, body) {
    return fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" } }).then(function (r) {
      return r.text().then(function (html) { return { response: r, page: parse(html) }; });
    });
  }
  // The inline editor open, one at a time: its form's ids are the field
  // page's. Its row follows it when the region is replaced.
  var open = null;
  function shut() {
    if (!open) return;
    open.flush();
    open.editor.remove();
    if (open.link) open.link.setAttribute("aria-expanded", "false");
    open = null;
    prepare();
  }
  // prepare lets the fields without an open editor be dragged.
  function prepare() {
    region().querySelectorAll(".field-list li[data-position]").forEach(function (li) {
      li.draggable = !li.querySelector(".inline-editor");
    });
  }
  // replace puts fresh in place of the region. The preview beside the
  // fields stays and loads again where it is: a frame made anew would
  // show nothing until it has loaded.
  function replace(fresh) {
    var old = region(), layout = old.querySelector(".editor-layout"), preview = old.querySelector("#preview-frame");
    var incoming = fresh.querySelector(".editor-layout");
    if (!layout || !preview || !incoming || !incoming.querySelector("#preview-frame")) {
      old.replaceWith(fresh);
      return;
    }
    [].slice.call(old.childNodes).forEach(function (n) { if (n !== layout) n.remove(); });
    var after = false;
    [].slice.call(fresh.childNodes).forEach(function (n) {
      if (n === incoming) after = true;
      else if (after) old.appendChild(n);
      else old.insertBefore(n, layout);
    });
    layout.querySelector(".editor-main").replaceWith(incoming.querySelector(".editor-main"));
    preview.contentWindow.location.reload();
  }
  // show puts the region of an answered page in place of this one's and
  // moves the focus to what follows from the change: the refusal, the
  // button pressed if it is still there, a field just added, or the list.
  function show(answer, pressed) {
    var fresh = answer.page.getElementById("form-editor");
    if (!fresh) {
      // Not the form's page (signed out, refused): it is shown as it is.
      document.title = answer.page.title;
      document.body.replaceWith(document.importNode(answer.page.body, true));
      return;
    }
    var known = [].map.call(region().querySelectorAll(".field-list > li"), function (li) { return li.id; });
    var active = document.activeElement, selection = active && "selectionStart" in active ? [active.selectionStart, active.selectionEnd] : null;
    replace(document.importNode(fresh, true));
    fresh = region();
    document.title = answer.page.title;
    if (answer.response.redirected) history.replaceState(null, "", answer.response.url);
    var row = open && open.row && document.getElementById(open.row);
    if (open && row) {
      var summary = row.querySelector("a[data-inline-edit]");
      open.link = summary;
      summary.setAttribute("aria-expanded", "true");
      row.appendChild(open.editor);
      if (active && open.editor.contains(active)) {
        active.focus();
        if (selection) try { active.setSelectionRange(selection[0], selection[1]); } catch (e) { /* not a text */ }
      }
      prepare();
      return;
    }
    open = null;
    prepare();
    var notice = fresh.querySelector(".notice[role=status]"), refusal = document.getElementById("error-summary");
    announcer.textContent = refusal ? refusal.textContent.trim() : notice ? notice.textContent.trim() : "";
    var added = [].find.call(fresh.querySelectorAll(".field-list > li"), function (li) { return known.indexOf(li.id) < 0; });
    var same = pressed && document.getElementById(pressed);
    var target = refusal || fresh.querySelector("[autofocus]") || (same && !same.disabled && same) ||
      (added && added.querySelector("a[data-inline-edit]")) || document.getElementById("champs");
    target.focus();
  }
  // edit opens the form of the field page at url in an editor that place
  // puts in the page; ready then makes it save.
  function edit(url, row, link, place, ready) {
    shut();
    fetch(url, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var page = parse(html), form = page.querySelector("main form[method=post]");
      if (!form) { window.location = url; return; }
      var editor = document.createElement("section");
      editor.className = "inline-editor";
      editor.setAttribute("aria-label", page.querySelector("h1").textContent.trim());
      var status = document.createElement("p");
      status.className = "save-status";
      status.setAttribute("role", "status");
      form = document.importNode(form, true);
      editor.append(form, status);
      place(editor);
      open = { editor: editor, row: row, link: link, form: form, flush: function () {} };
      if (link) link.setAttribute("aria-expanded", "true");
      prepare();
      var first = form.querySelector("input:not([type=hidden]), textarea, select");
      if (first) first.focus();
      ready(form, status);
    }).catch(function () {
      announcer.textContent = say("offline");
    });
  }
  // saved tells whether the server took a change: it then answers with
  // the form's page, where a session that ended sends to the sign-in.
  function saved(answer) {
    return answer.response.redirected && !!answer.page.getElementById("form-editor");
  }
  function refused(status, answer) {
    var why = reasonsIn(answer.page) || (answer.response.redirected ? say("expired") : answer.response.status);
    status.textContent = say("unsaved") + " " + why;
  }
  var pending = false;
  window.addEventListener("beforeunload", function (e) { if (pending) e.preventDefault(); });
  // An existing field saves by itself, 0.8 s after each change.
  function autosave(form, status) {
    var timer = null, stored = formFields(form);
    var close = form.querySelector("a[data-close]");
    if (close) close.textContent = say("close");
    function save() {
      clearTimeout(timer);
      var body = formFields(form);
      // A change undone, or a focus that comes and goes, saves nothing.
      if (body === stored) {
        pending = false;
        if (status.textContent) status.textContent = say("saved");
        return;
      }
      status.textContent = say("saving");
      var name = form.action.slice(form.action.lastIndexOf("/") + 1);
      post(form, body).then(function (answer) {
        if (!saved(answer)) {
          refused(status, answer);
          return;
        }
        stored = body;
        pending = false;
        status.textContent = say("saved");
        if (!open || open.form !== form) return;
        // A renamed field has another address, and so has its row.
        var renamed = form.elements.name && form.elements.name.value.trim();
        if (renamed && renamed !== decodeURIComponent(name)) {
          form.action = form.action.slice(0, form.action.lastIndexOf("/") + 1) + encodeURIComponent(renamed);
          open.row = "champ-" + renamed;
        }
        show(answer);
      }).catch(function () {
        status.textContent = say("offline");
      });
    }
    function later() {
      pending = true;
      clearTimeout(timer);
      timer = setTimeout(save, 800);
    }
    form.addEventListener("input", later);
    form.addEventListener("change", later);
    form.addEventListener("submit", function (e) { e.preventDefault(); save(); });
    // Closed with a change not yet saved, the editor saves it first.
    open.flush = function () { if (pending) save(); };
  }
  // A new field is added when its form is sent: the page then lists it.
  function addition(form, status) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      status.textContent = say("saving");
      post(form, formFields(form, e.submitter)).then(function (answer) {
        if (!saved(answer)) {
          refused(status, answer);
          return;
        }
        open = null;
        show(answer);
      }).catch(function () {
        status.textContent = say("offline");
      });
    });
  }
  document.addEventListener("click", function (event) {
    // "Annuler" (or "Fermer", once changes save by themselves) closes
    // the editor, and the focus goes back to what opened it.
    var close = event.target.closest && event.target.closest("#form-editor .inline-editor a[data-close]");
    if (close) {
      event.preventDefault();
      var opener = open && open.link || document.getElementById("add-field");
      shut();
      if (opener) opener.focus();
      return;
    }
    var link = event.target.closest && event.target.closest("#form-editor a[data-inline-edit]");
    if (!link) return;
    event.preventDefault();
    if (open && open.link === link) {
      shut();
      return;
    }
    var row = link.closest("li");
    edit(link.href, row.id, link, function (editor) { row.appendChild(editor); }, autosave);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form.closest("#form-editor")) return;
    if (form.classList.contains("add-field")) {
      event.preventDefault();
      var url = form.action + "?" + new URLSearchParams(new FormData(form));
      edit(url, null, null, function (editor) { form.after(editor); }, addition);
      return;
    }
    if (form.method !== "post") return;
    event.preventDefault();
    var pressed = event.submitter && event.submitter.id;
    post(form, formFields(form, event.submitter)).then(function (answer) {
      shut();
      show(answer, pressed);
    }).catch(function () {
      announcer.textContent = say("offline");
    });
  });
  // A field dropped on another takes its position.
  var dragged = null;
  function target(e) {
    var li = e.target.closest && e.target.closest("#form-editor .field-list li[data-position]");
    return li && dragged && li !== dragged ? li : null;
  }
  document.addEventListener("dragstart", function (e) {
    dragged = e.target.closest && e.target.closest("#form-editor .field-list li[data-position]");
    if (dragged) {
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", dragged.id);
    }
  });
  document.addEventListener("dragover", function (e) {
    var li = target(e);
    if (!li) return;
    e.preventDefault();
    li.classList.add("drop-target");
  });
  document.addEventListener("dragleave", function (e) {
    if (e.target.classList) e.target.classList.remove("drop-target");
  });
  document.addEventListener("drop", function (e) {
    var li = target(e);
    if (!li) return;
    e.preventDefault();
    li.classList.remove("drop-target");
    var from = dragged, to = li.getAttribute("data-position");
    dragged = null;
    var select = from.querySelector('select[name="to"]'), button = from.querySelector('button[id^="deplacer-"]');
    if (select && button) {
      select.value = to;
      button.click();
      return;
    }
    // Two fields have no picker: the other's place is one step away.
    var step = from.querySelector(Number(to) < Number(from.getAttribute("data-position")) ? 'button[id^="monter-"]' : 'button[id^="descendre-"]');
    if (step && !step.disabled) step.click();
  });
  prepare();
})();

// Files upload on their own as soon as they are chosen, in chunks that
// resume where a dropped connection left them (the tus protocol, at
// /api/uploads); the page then posts their ids, "upload:<id>", in the
// field's place. Without JavaScript, the files go with the page. The
// texts come from the form's data-upload-* attributes, in the page's
// language.
(function () {
  var form = document.querySelector("form[data-upload-form]");
  if (!form || !window.fetch || !window.Blob || !Blob.prototype.slice) {
    return;
  }
  var chunkSize = 8 * 1024 * 1024;
  var pending = 0;
  // waiting is the submission asked for while files were still being
  // sent: it goes on once they are, unless one of them failed.
  var waiting = null;
  var notice = document.createElement("p");
  notice.className = "hint";
  notice.setAttribute("role", "status");
  form.append(notice);
  function settled() {
    if (pending > 0 || !waiting) {
      return;
    }
    var submitter = waiting.submitter;
    var failed = waiting.failed;
    waiting = null;
    notice.textContent = "";
    if (!failed) {
      form.requestSubmit(submitter && submitter.form === form ? submitter : undefined);
    }
  }
  function say(key, name) {
    return (form.getAttribute("data-upload-" + key) || "").replace("{name}", name);
  }
  function headers(extra) {
    var h = { "Tus-Resumable": "1.0.0" };
    var csrf = form.getAttribute("data-csrf");
    if (csrf) {
      h["X-CSRF-Token"] = csrf;
    }
    Object.keys(extra || {}).forEach(function (k) { h[k] = extra[k]; });
    return h;
  }
  function base64(s) {
    return btoa(unescape(encodeURIComponent(s)));
  }
  function Refused(message) {
    this.message = message;
  }
  async function refusal(resp) {
    try {
      var problem = await resp.json();
      return new Refused(problem.detail || resp.statusText);
    } catch (e) {
      return new Refused(resp.statusText);
    }
  }
  function wait(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }
  // upload sends file whole and returns what the field then holds.
  async function upload(file, field, progress) {
    var meta = "form " + base64(form.getAttribute("data-upload-form")) + ",field " + base64(field) +
      ",filename " + base64(file.name);
    var created = await fetch("/api/uploads", { method: "POST", credentials: "same-origin",
      headers: headers({ "Upload-Length": String(file.size), "Upload-Metadata": meta }) });
    if (created.status !== 201) {
      throw await refusal(created);
    }
    var location = created.headers.get("Location");
    var offset = 0;
    for (var tries = 0; ; ) {
      try {
        var end = Math.min(offset + chunkSize, file.size);
        var resp = await fetch(location, { method: "PATCH", credentials: "same-origin", body: file.slice(offset, end),
          headers: headers({ "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" }) });
        if (resp.status >= 400 && resp.status < 500 && resp.status !== 409) {
          throw await refusal(resp);
        }
        if (resp.status !== 204) {
          throw new Error(resp.statusText);
        }
        offset = Number(resp.headers.get("Upload-Offset")) || end;
        progress(offset);
        tries = 0;
        if (offset >= file.size) {
          return resp.headers.get("Guichet-Upload");
        }
      } catch (err) {
        if (err instanceof Refused || ++tries > 12) {
          throw err;
        }
        // The connection dropped: ask how much arrived, and go on from there.
        await wait(Math.min(30000, 500 * Math.pow(2, tries)));
        try {
          var head = await fetch(location, { method: "HEAD", credentials: "same-origin", headers: headers() });
          offset = Number(head.headers.get("Upload-Offset")) || 0;
        } catch (e) {
          // still cut off: wait longer
        }
      }
    }
  }
  form.querySelectorAll("input[type=file]").forEach(function (input) {
    var list = document.createElement("ul");
    list.className = "uploads";
    list.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", list);
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files);
      if (files.length === 0) {
        return;
      }
      // Files chosen now replace those kept from before, as without JavaScript.
      form.querySelectorAll("input[type=hidden][name='" + input.name + "']").forEach(function (kept) {
        kept.remove();
      });
      var kept = document.getElementById(input.id + "-kept");
      if (kept) {
        kept.remove();
      }
      list.textContent = "";
      input.value = "";
      files.forEach(function (file) {
        var item = document.createElement("li");
        var label = document.createElement("span");
        var bar = document.createElement("progress");
        bar.max = file.size;
        bar.value = 0;
        label.textContent = say("sending", file.name);
        bar.setAttribute("aria-label", file.name);
        item.append(label, " ", bar);
        list.append(item);
        pending++;
        upload(file, input.name, function (sent) { bar.value = sent; }).then(function (ref) {
          var hidden = document.createElement("input");
          hidden.type = "hidden";
          hidden.name = input.name;
          hidden.value = ref;
          item.textContent = say("sent", file.name);
          item.append(hidden);
        }, function (err) {
          item.textContent = err instanceof Refused ? err.message : say("failed", file.name);
          item.className = "error-message";
          item.setAttribute("role", "alert");
          if (waiting) {
            waiting.failed = true;
          }
        }).finally(function () {
          pending--;
          settled();
        });
      });
    });
  });
  form.addEventListener("submit", function (event) {
    if (pending > 0) {
      event.preventDefault();
      waiting = { submitter: event.submitter, failed: false };
      notice.textContent = say("wait", "");
    }
  });
})();

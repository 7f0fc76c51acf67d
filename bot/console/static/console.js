// Live conversation view: poll the ticket's JSON feed and append new messages; canned answers fill the reply box.
(function () {
  "use strict";
  var box = document.getElementById("messages");
  var canned = document.getElementById("canned");
  var reply = document.getElementById("reply-text");
  if (canned && reply) {
    canned.addEventListener("change", function () {
      if (canned.value) { reply.value = canned.value; reply.focus(); }
    });
  }
  if (!box) { return; }
  var ticketId = box.dataset.ticketId;
  var lastId = parseInt(box.dataset.lastId || "0", 10);

  function author(m) {
    if (m.direction === "in") { return box.dataset.labelUser; }
    if (m.author.indexOf("operator:") === 0) { return "👤 " + m.author.slice(9); }
    if (m.author === "system") { return box.dataset.labelSystem; }
    return box.dataset.labelBot;
  }

  function append(m) {
    if (box.querySelector('[data-id="' + m.id + '"]')) { return; }
    var empty = box.querySelector(".empty");
    if (empty) { empty.remove(); }
    var div = document.createElement("div");
    div.className = "msg " + m.direction + " " + (m.author || "").split(":")[0];
    div.dataset.id = m.id;
    var meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = author(m) + " · " + m.time_local + (m.direction === "out" && m.delivery_label ? " · " + m.delivery_label : "");
    var text = document.createElement("div");
    text.className = "text";
    text.textContent = m.pressed ? "▸ " + m.pressed : m.text;  // never innerHTML: user text is untrusted
    div.appendChild(meta);
    div.appendChild(text);
    box.appendChild(div);
  }

  function poll() {
    fetch("/console/tickets/" + ticketId + "/feed?after=" + lastId, {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
        data.messages.forEach(function (m) { append(m); lastId = Math.max(lastId, m.id); });
        if (data.messages.length && atBottom) { box.scrollTop = box.scrollHeight; }
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  box.scrollTop = box.scrollHeight;
  setTimeout(poll, 2000);
})();

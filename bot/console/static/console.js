// Live views: the ticket's conversation and the ticket queue long-poll their JSON feeds (the
// server answers when a message or a ticket changes in any worker, or after `wait` seconds);
// canned answers fill the reply box.
(function () {
  "use strict";
  var WAIT = 25;
  var queue = document.getElementById("queue");
  if (queue) {
    var count = document.getElementById("queue-count");
    var pollQueue = function () {
      fetch("/console/queue/feed?wait=" + WAIT + "&since=" + encodeURIComponent(queue.dataset.digest || ""),
            {credentials: "same-origin", cache: "no-store"})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (data.html !== null) {
            queue.innerHTML = data.html;  // rendered and escaped by the server's template
            if (count) { count.textContent = "(" + data.count + ")"; }
          }
          queue.dataset.digest = data.digest;
          setTimeout(pollQueue, 100);
        })
        .catch(function () { setTimeout(pollQueue, 5000); });
    };
    pollQueue();
  }
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
    var delay = 5000;  // after an error: a server restarting, a network gone
    fetch("/console/tickets/" + ticketId + "/feed?wait=" + WAIT + "&after=" + lastId,
          {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        var atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
        data.messages.forEach(function (m) { append(m); lastId = Math.max(lastId, m.id); });
        if (data.messages.length && atBottom) { box.scrollTop = box.scrollHeight; }
        delay = 100;
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, delay); });
  }
  box.scrollTop = box.scrollHeight;
  poll();
})();

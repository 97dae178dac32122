// smshook inspector: new rows arrive by Server-Sent Events. The page works without this script.
(function () {
  "use strict";
  var tbody = document.getElementById("requests");
  if (!tbody || !window.EventSource) {
    return;
  }
  var live = document.getElementById("live");
  var announce = document.getElementById("announce");
  var capacity = parseInt(tbody.getAttribute("data-capacity"), 10) || 100;
  var source = new EventSource("/events?after=" + encodeURIComponent(tbody.getAttribute("data-last") || "0"));
  source.addEventListener("open", function () {
    live.setAttribute("data-state", "live");
  });
  source.addEventListener("error", function () {
    live.setAttribute("data-state", "reconnecting");
  });
  source.addEventListener("request", function (ev) {
    if (document.getElementById("r" + ev.lastEventId)) {
      return;
    }
    var template = document.createElement("template");
    template.innerHTML = ev.data.trim();
    var row = template.content.firstElementChild;
    if (!row) {
      return;
    }
    var empty = document.getElementById("empty");
    if (empty) {
      empty.remove();
    }
    row.classList.add("new");
    tbody.insertBefore(row, tbody.firstElementChild);
    while (tbody.rows.length > capacity) {
      tbody.deleteRow(tbody.rows.length - 1);
    }
    announce.textContent = row.getAttribute("data-summary");
  });
})();

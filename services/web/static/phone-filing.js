// Phone filing: while the tele-caller types, look for open cases like the one being told (the same look-up
// as the "Look for similar cases" button, which works without this script). Served by the console itself
// (CSP default-src 'self'); the answer is the console's own escaped HTML for the #similar box.
(function () {
  "use strict";
  var form = document.querySelector("form[data-similar]");
  var box = document.getElementById("similar");
  if (!form || !box || !window.fetch || !window.URLSearchParams) { return; }
  var WATCHED = { subject: true, description: true, district: true };
  var timer = null;
  var asked = "";

  function lookUp() {
    var data = new FormData(form);
    var text = (data.get("subject") || "") + " " + (data.get("description") || "");
    var question = text + "\u0001" + (data.get("district") || "");
    if (question === asked || text.trim().length < 4) { return; }
    asked = question;
    data.delete("step");
    fetch(form.getAttribute("data-similar"), {
      method: "POST", body: new URLSearchParams(data), credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (answer) {
      return answer.ok ? answer.text() : null;
    }).then(function (html) {
      if (html !== null && question === asked) { box.innerHTML = html; }
    }).catch(function () { /* the button still works */ });
  }

  form.addEventListener("input", function (event) {
    if (!WATCHED[event.target.name]) { return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 400);
  });
}());

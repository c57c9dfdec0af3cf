/* A form with a one-time token (an input marked data-resend-token) opens one case per
   token: the server answers a token it has seen with "already sent". Back after sending
   reloads the form with a new token, and the browser fills the visible fields in again
   (never a hidden one): one more tap opened a second case for the same letter (QA 97).
   So this tab remembers, per page, which token it sent with which content, and sends the
   same content with the same token. Only a fingerprint of the content is kept (a hash,
   in sessionStorage: the tab's own, gone when it closes), never the text itself. Files
   are left out: a browser never restores them. Progressive enhancement only. */
(function () {
  "use strict";

  var KEEP = 20;  // fingerprints remembered per page

  // cyrb53: a fast 53-bit string hash; a collision would only answer "already sent".
  function hash(text) {
    var h1 = 0xdeadbeef, h2 = 0x41c6ce57;
    for (var i = 0; i < text.length; i++) {
      var c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
  }

  function content(form) {
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.disabled) { return; }
      var type = (el.type || "").toLowerCase();
      if (["file", "hidden", "submit", "button", "image", "reset", "password"]
          .indexOf(type) >= 0) { return; }
      if ((type === "checkbox" || type === "radio") && !el.checked) { return; }
      if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) {
          parts.push(el.name + "=" + o.value);
        });
        return;
      }
      // The server keeps text in Unicode's composed form; so does the fingerprint.
      var value = el.value.normalize ? el.value.normalize("NFC") : el.value;
      parts.push(el.name + "=" + value.trim());
    });
    return parts.join("\u0000");
  }

  function load(key) {
    try { return JSON.parse(window.sessionStorage.getItem(key) || "[]"); }
    catch (e) { return []; }
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) { return; }
    var token = form.querySelector("input[data-resend-token]");
    if (!token || !token.value) { return; }
    var key = "resend:" + window.location.pathname;
    var print = hash(content(form));
    var sent = load(key);
    var earlier = sent.filter(function (entry) { return entry[0] === print; })[0];
    if (earlier) {
      token.value = earlier[1];  // the same letter again: the server says it was sent
      return;
    }
    sent.push([print, token.value]);
    try {
      window.sessionStorage.setItem(key, JSON.stringify(sent.slice(-KEEP)));
    } catch (e) { /* storage full or off: the form is sent as before */ }
  }, true);
})();

// Stocktake pages (盘点): the scan field, the camera (BarcodeDetector, when the browser has
// it) and the scope choice of the create form. Without JavaScript every form still posts.
(function () {
  "use strict";

  // --- Create form: show the buildings or rooms part of the chosen scope -------------------
  var createForm = document.querySelector("[data-stocktake-form]");
  if (createForm) {
    var parts = createForm.querySelectorAll("[data-scope-part]");
    var showScope = function () {
      var checked = createForm.querySelector("input[name=scope]:checked");
      var scope = checked ? checked.value : "";
      parts.forEach(function (part) {
        part.classList.toggle("d-none", part.getAttribute("data-scope-part") !== scope);
      });
    };
    createForm.addEventListener("change", showScope);
    showScope();
  }

  // --- Scanning ------------------------------------------------------------------------------
  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // Scans are sent one after another, in the order they were made: a scanner that types
  // fast never loses one, and the answers are shown in order.
  var queue = Promise.resolve();

  function sendScan(form, text) {
    var target = document.querySelector(form.getAttribute("data-target") || "#scan-result");
    var body = new FormData();
    body.append("text", text);
    body.append("csrfmiddlewaretoken", csrfToken(form));
    queue = queue.then(function () {
      return fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "HX-Request": "true", "HX-Target": target ? target.id : "" },
      })
        .then(function (response) {
          var redirect = response.headers.get("HX-Redirect");
          if (redirect) {
            window.location.href = redirect;
            return null;
          }
          return response.text();
        })
        .then(function (html) {
          if (html === null || !target) return;
          if (window.htmx && window.htmx.swap) {
            window.htmx.swap(target, html, { swapStyle: "innerHTML" });
          } else {
            target.innerHTML = html;
          }
          var outcome = target.querySelector("[data-outcome]");
          if (outcome && navigator.vibrate) {
            navigator.vibrate(outcome.getAttribute("data-outcome") === "found" ? 60 : [60, 60, 60]);
          }
        })
        .catch(function () {
          if (target) {
            target.innerHTML = '<div class="alert alert-danger" data-outcome="error">' +
              (form.getAttribute("data-offline") || "Not sent; scan it again.") + "</div>";
          }
        });
    });
    return queue;
  }

  document.querySelectorAll("[data-scan-form]").forEach(function (form) {
    var input = form.querySelector("[data-scan-input]");
    var kind = form.getAttribute("data-scan-kind");
    if (kind === "asset") {
      // A hardware scanner types into whatever has the focus: after a tap on "Found it",
      // "Save" or "Undo", give the focus back to the scan field (not while typing a number).
      document.body.addEventListener("htmx:afterSwap", function () {
        var active = document.activeElement;
        if (!active || active === document.body || active.tagName === "BUTTON") input.focus();
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var text = (input.value || "").trim();
        input.value = "";
        input.focus();
        if (text) sendScan(form, text);
      });
    }
    setupCamera(form, input, function (text) {
      if (kind === "asset") {
        sendScan(form, text);
      } else {
        input.value = text;
        form.submit();
      }
    });
  });

  // --- Camera (progressive enhancement) --------------------------------------------------
  function setupCamera(form, input, onCode) {
    var button = form.querySelector("[data-camera-button]");
    var box = form.querySelector("[data-camera-box]");
    if (!button || !box || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    button.classList.remove("d-none");
    var video = box.querySelector("video");
    var stream = null;
    var timer = null;
    var last = { text: "", at: 0 };

    function stop() {
      if (timer) clearTimeout(timer);
      timer = null;
      if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
      stream = null;
      box.classList.add("d-none");
      button.classList.remove("d-none");
      input.focus();
    }

    button.addEventListener("click", function () {
      var wanted = ["qr_code", "code_128", "code_39", "ean_13", "ean_8", "data_matrix"];
      var supported = window.BarcodeDetector.getSupportedFormats
        ? window.BarcodeDetector.getSupportedFormats()
        : Promise.resolve(wanted);
      supported.then(function (formats) {
        var detector = new window.BarcodeDetector({
          formats: wanted.filter(function (f) { return formats.indexOf(f) >= 0; }),
        });
        return navigator.mediaDevices
          .getUserMedia({ video: { facingMode: "environment" }, audio: false })
          .then(function (s) {
            stream = s;
            video.srcObject = s;
            box.classList.remove("d-none");
            button.classList.add("d-none");
            return video.play().then(function () { loop(detector); });
          });
      }).catch(stop);
    });
    box.querySelector("[data-camera-stop]").addEventListener("click", stop);

    function loop(detector) {
      if (!stream) return;
      detector.detect(video).then(function (codes) {
        var now = Date.now();
        codes.forEach(function (code) {
          var text = (code.rawValue || "").trim();
          // the same label in front of the camera is counted once, not every frame
          if (text && (text !== last.text || now - last.at > 3000)) {
            last = { text: text, at: now };
            onCode(text);
          }
        });
      }).catch(function () {}).then(function () {
        timer = setTimeout(function () { loop(detector); }, 250);
      });
    }
  }
})();

// File drop zones: the file input takes a dropped file by itself; this marks the zone while a
// file is dragged over it and shows the chosen picture before the form is sent.
(function () {
  document.querySelectorAll("input[type=file][data-drop-zone]").forEach(function (input) {
    ["dragenter", "dragover"].forEach(function (name) {
      input.addEventListener(name, function () { input.classList.add("drop-over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      input.addEventListener(name, function () { input.classList.remove("drop-over"); });
    });
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      var preview = input.parentNode.querySelector("img.drop-preview");
      if (!file || !/^image\//.test(file.type)) { if (preview) preview.remove(); return; }
      if (!preview) {
        preview = document.createElement("img");
        preview.className = "drop-preview";
        preview.alt = "";
        input.insertAdjacentElement("afterend", preview);
      }
      preview.src = URL.createObjectURL(file);
    });
  });
})();

"use strict";
// Question change page (admin): re-render the answer preview while the admin types, after a short pause.
// The server renders and sanitises (quiz.rendering), so the page shows exactly what saving would store.
document.addEventListener("DOMContentLoaded", () => {
  const preview = document.querySelector("[data-preview-url]");
  const textarea = document.getElementById("id_answer_md");
  if (!preview || !textarea) return;
  const token = textarea.form.querySelector("[name=csrfmiddlewaretoken]").value;
  let timer;
  let controller;

  async function refresh() {
    controller?.abort();
    controller = new AbortController();
    try {
      const response = await fetch(preview.dataset.previewUrl, {
        method: "POST",
        body: new URLSearchParams({ answer_md: textarea.value }),
        headers: { "X-CSRFToken": token },
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (response.ok) preview.innerHTML = (await response.text()) || "No answer yet.";
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    }
  }

  textarea.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
});

// A small enhancement only: the pages work without it. Changing a filter of the search
// form runs the search again.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.filters");
  if (!form) return;
  form.querySelectorAll("select, input[type=checkbox], input[type=date]").forEach((field) => {
    field.addEventListener("change", () => form.requestSubmit());
  });
});

// The licence view saves a row's licences as they are changed: a change to the licence type or
// an add-on submits the row's form, which htmx posts, replacing the row and the bars. The Save
// buttons are for browsers without JavaScript, so they are hidden here.
(() => {
  document.documentElement.classList.add('licence-autosave');
  document.addEventListener('change', (event) => {
    const field = event.target.closest('[data-licence-field]');
    if (field && field.form) field.form.requestSubmit();
  });
})();

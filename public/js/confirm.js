// An inline confirmation (<details class="confirm">) closes on its Cancel link, and focus goes
// back to the button that opened it. Without JavaScript the link reloads the page, which shows
// it closed just the same.
document.addEventListener('click', (event) => {
  const cancel = event.target instanceof Element ? event.target.closest('[data-close-confirm]') : null;
  const confirm = cancel?.closest('details.confirm');
  if (!confirm) return;
  event.preventDefault();
  confirm.open = false;
  confirm.querySelector('summary')?.focus();
});

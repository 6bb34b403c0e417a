// Tells Roster the browser's time zone once, so dates read in local time without a setting.
// The server asks for it (the body's data-browser-time-zone) only while the administrator has
// no zone of their own; a zone they choose on their preferences page is never overwritten.
(() => {
  const url = document.body.dataset.browserTimeZone;
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!url || !zone) return;
  let token = '';
  try {
    token = JSON.parse(document.body.getAttribute('hx-headers:inherited') || '{}')['x-csrf-token'] || '';
  } catch {
    return;
  }
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': token },
    body: new URLSearchParams({ timeZone: zone }),
    credentials: 'same-origin',
  }).catch(() => {
    // Dates stay in UTC, as the page says; the next page tries again.
  });
})();

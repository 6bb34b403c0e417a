// The users list's selection: ticked rows are remembered while paging and sorting (htmx swaps
// the table, so the ticks are put back after each swap), and "Select all N matching" stands for
// every user the filters and search match. The state lives in sessionStorage, per tab.
// Without JavaScript the same form still works for the rows ticked on the page shown.
(() => {
  // Each list keeps its own selection: the users list's ticks mean nothing in the trash.
  const PREFIX = 'roster.selection';
  const place = document.getElementById('bulk-form')?.dataset.selectionPlace;
  const KEY = place ? `${PREFIX}.${place}` : PREFIX;
  const load = () => {
    try {
      return JSON.parse(sessionStorage.getItem(KEY)) || { ids: [], all: false, query: '' };
    } catch {
      return { ids: [], all: false, query: '' };
    }
  };
  let state = load();
  const save = () => sessionStorage.setItem(KEY, JSON.stringify(state));
  // Not form.id: the ticked boxes are named "id", and a form's named controls hide its properties.
  const rowBoxes = () => [...document.querySelectorAll('input[name="id"][form="bulk-form"]')];

  function sync() {
    const form = document.getElementById('bulk-form');
    if (!form) return;
    // "All matching" means the filters it was chosen on: other filters, another set.
    if (state.all && state.query !== form.dataset.query) state = { ...state, all: false };
    const chosen = new Set(state.ids.map(String));
    const boxes = rowBoxes();
    for (const box of boxes) box.checked = state.all || chosen.has(box.value);
    const pageBox = document.querySelector('[data-select-page]');
    if (pageBox) pageBox.checked = boxes.length > 0 && boxes.every((b) => b.checked);

    for (const kept of form.querySelectorAll('.kept')) kept.remove();
    const onPage = new Set(boxes.map((b) => b.value));
    const keep = (name, value) => {
      const input = Object.assign(document.createElement('input'), { type: 'hidden', name, value });
      input.className = 'kept';
      form.append(input);
    };
    if (state.all) keep('all', '1');
    else for (const id of chosen) if (!onPage.has(id)) keep('id', id);

    const total = Number(form.dataset.total).toLocaleString('en');
    const count = form.querySelector('[data-selection-count]');
    const any = state.all || state.ids.length > 0;
    count.hidden = !any;
    // The bar itself shows only while something is selected, as in other admin consoles.
    form.classList.toggle('has-selection', any);
    count.textContent = state.all
      ? `All ${total} matching users selected`
      : `${state.ids.length.toLocaleString('en')} selected`;
    form.querySelector('[data-clear-selection]').hidden = !any;
    const allButton = form.querySelector('[data-select-all]');
    allButton.textContent = `Select all ${total} matching`;
    // Once chosen it has nothing more to do: hidden, and inactive even where a style shows it.
    allButton.hidden = state.all;
    allButton.disabled = state.all;
    form.querySelector('[data-apply-selected]').textContent = 'Apply';
    save();
  }

  document.addEventListener('change', (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.type !== 'checkbox') return;
    const form = document.getElementById('bulk-form');
    if (!form) return;
    const boxes = box.matches('[data-select-page]') ? rowBoxes() : box.name === 'id' ? [box] : [];
    if (boxes.length === 0) return;
    // Unticking one row of "all matching" turns it into the page's ticks minus that row.
    if (state.all) state = { ids: rowBoxes().map((b) => b.value), all: false, query: '' };
    const ids = new Set(state.ids.map(String));
    for (const b of boxes) {
      if (box.checked) ids.add(b.value);
      else ids.delete(b.value);
    }
    state = { ...state, ids: [...ids] };
    sync();
  });

  document.addEventListener('click', (event) => {
    const form = document.getElementById('bulk-form');
    if (!form || !(event.target instanceof Element)) return;
    if (event.target.closest('[data-select-all]')) {
      event.preventDefault();
      state = { ids: [], all: true, query: form.dataset.query };
      sync();
    } else if (event.target.closest('[data-clear-selection]')) {
      state = { ids: [], all: false, query: '' };
      sync();
    }
  });

  // A finished bulk action starts afresh: the users it acted on may no longer match.
  if (document.querySelector('[data-clear-stored-selection]')) {
    for (const key of Object.keys(sessionStorage)) if (key.startsWith(PREFIX)) sessionStorage.removeItem(key);
    state = load();
  }
  const results = document.getElementById('user-results') || document.getElementById('trash-results');
  if (results) new MutationObserver(sync).observe(results, { childList: true });
  sync();
})();

// "Filter on any field": as the field changes, the condition offers only the operators of its
// type, and the value becomes a date picker, a number, a list of answers (yes or no, or the
// field's choices) or text. The page renders them for the field it was given, and the server
// checks every filter, so without this script the form still works: a condition that does not
// fit comes back with the reason.
(() => {
  function follow(row) {
    const field = row.querySelector('[data-adhoc-field]');
    const op = row.querySelector('[data-adhoc-op]');
    const inputLabel = row.querySelector('[data-adhoc-input]');
    const answersLabel = row.querySelector('[data-adhoc-answers]');
    if (!field || !op || !inputLabel || !answersLabel) return;
    const input = inputLabel.querySelector('input');
    const answers = answersLabel.querySelector('select');
    let types;
    try {
      types = JSON.parse(row.dataset.types);
    } catch {
      return;
    }
    const chosen = field.selectedOptions[0];
    const kind = chosen && types[chosen.dataset.type];
    if (!kind) return;

    const previous = op.value;
    op.replaceChildren(...kind.operators.map(([value, label]) => new Option(label, value)));
    if (kind.operators.some(([value]) => value === previous)) op.value = previous;

    const select = kind.control === 'select';
    inputLabel.hidden = select;
    input.disabled = select;
    answersLabel.hidden = !select;
    answers.disabled = !select;
    if (select) {
      let pairs = [];
      try {
        pairs = JSON.parse(chosen.dataset.answers || '[]');
      } catch {
        pairs = [];
      }
      answers.replaceChildren(...pairs.map(([value, label]) => new Option(label, value)));
    } else if (input.type !== kind.control) {
      // A value typed for another type rarely fits this one (a date picker refuses text).
      input.value = '';
      input.type = kind.control;
      input.placeholder = kind.control === 'number' ? 'A whole number' : 'Text, or a date like 2026-01-31';
      if (kind.control === 'number') {
        input.min = '0';
        input.step = '1';
      } else {
        input.removeAttribute('min');
        input.removeAttribute('step');
      }
    }
  }

  document.addEventListener('change', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLSelectElement) || !target.matches('[data-adhoc-field]')) return;
    const row = target.closest('[data-adhoc-filter]');
    if (row) follow(row);
  });
})();

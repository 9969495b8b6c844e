/**
 * The index page: every list with its counts, kept live through the `todo-list` router
 * (a list is published again whenever one of its items changes). The page is rendered
 * by the server first; this replaces the rows with the live ones.
 */
(function () {
  'use strict';

  const listsElement = document.getElementById('lists');
  const noListsElement = document.getElementById('no-lists');
  const statusElement = document.getElementById('status');
  const errorElement = document.getElementById('error');
  const newListForm = document.querySelector('form.new-list');
  const newListName = newListForm.querySelector('input[name="name"]');

  const realtime = Realtime.connect();

  function showState(state) {
    statusElement.textContent = state;
    statusElement.dataset.state = state;
  }
  showState(realtime.state);
  realtime.bind('state_change', ({ current }) => showState(current));

  function showError(message) {
    errorElement.textContent = message;
    errorElement.hidden = !message;
  }

  /** The list page's URL: the template renders the one of list 0. */
  function listUrl(id) {
    return listsElement.dataset.listUrl.replace(/0\/$/, `${id}/`);
  }

  function buildRow(todoList) {
    const element = document.createElement('li');
    element.dataset.id = String(todoList.id);
    const link = document.createElement('a');
    link.href = listUrl(todoList.id);
    link.textContent = todoList.name;
    const count = document.createElement('span');
    count.className = 'count';
    count.textContent = `${todoList.open_items} of ${todoList.all_items} to do`;
    element.append(link, ' ', count);
    return element;
  }

  function render(lists) {
    const sorted = lists.slice().sort((a, b) => a.id - b.id);
    listsElement.replaceChildren(...sorted.map(buildRow));
    noListsElement.hidden = sorted.length > 0;
  }

  // The input's `required` lets a name of spaces through, which the server would ignore.
  newListForm.addEventListener('submit', (event) => {
    if (newListName.value.trim()) return;
    event.preventDefault();
    newListName.value = '';
    showError('A list needs a name.');
  });

  realtime
    .live('todo-list', {})
    .then((live) => {
      live.mapper.onChange(() => render(live.items));
      render(live.items);
      listsElement.removeAttribute('aria-busy');
    })
    .catch((error) => showError(String(error.message || error)));
})();

/**
 * The todo list page: its items through the `todo-item` router, kept live by
 * realtime.js, and who else is looking through a presence channel. Plain JS, no
 * build step; the same code runs on every backend ({% realtime_client %} renders
 * where to connect).
 */
(function () {
  'use strict';

  const ROUTE = 'todo-item';
  const listId = JSON.parse(document.getElementById('todo-list-id').textContent);
  const itemsElement = document.getElementById('items');
  const emptyElement = document.getElementById('empty');
  const membersElement = document.getElementById('members');
  const statusElement = document.getElementById('status');
  const errorElement = document.getElementById('error');
  const newItemForm = document.getElementById('new-item');
  const newItemText = document.getElementById('new-item-text');

  const EMPTY_TEXT = 'An item needs some text: spaces alone are not something to do.';

  const realtime = Realtime.connect();
  /** `realtime.live(...)`'s answer: `{items, mapper, channel, refresh(), close()}`. */
  let live = null;
  /** Whether an Add is on its way: a double click adds the item once. */
  let adding = false;

  // Connection state and errors ------------------------------------------------------------

  function showState(state) {
    statusElement.textContent = state;
    statusElement.dataset.state = state;
  }
  showState(realtime.state);
  realtime.bind('state_change', ({ current }) => showState(current));

  function showError(error) {
    if (!error) {
      errorElement.hidden = true;
      errorElement.textContent = '';
      return;
    }
    const details = error.errors ? fieldErrors(error.errors) : '';
    errorElement.textContent = details ? `${error.message} ${details}` : String(error.message || error);
    errorElement.hidden = false;
  }

  /** A RouterError's messages by field: "text: This field is required." */
  function fieldErrors(errors) {
    return Object.entries(errors)
      .map(([field, messages]) => (field === '__all__' ? '' : `${field}: `) + [].concat(messages).join(' '))
      .join(' ');
  }

  /** Run a router call; a refusal (Realtime.RouterError) is shown rather than thrown. */
  async function attempt(call) {
    try {
      const result = await call();
      showError(null);
      return result;
    } catch (error) {
      showError(error);
      return null;
    }
  }

  // Writes: the list changes only through the channel's events, which every page (this
  // one included) receives in the order the server saved them. Applying the HTTP answer
  // too would race them: an answer arriving after a later change made elsewhere would
  // put the older state back.

  async function createItem(text) {
    const order = live.items.reduce((highest, item) => Math.max(highest, item.order), 0) + 1;
    return attempt(() => realtime.create(ROUTE, { todo_list: listId, text, order }));
  }

  async function updateItem(id, changes) {
    const updated = await attempt(() => realtime.update(ROUTE, id, changes));
    if (!updated) render(); // refused: show the item as it is
  }

  async function deleteItem(id) {
    try {
      await realtime.delete(ROUTE, id);
      showError(null);
    } catch (error) {
      // 404: deleted already (by this page's other click, or elsewhere): done as asked.
      if (error.status !== 404) showError(error);
    }
  }

  // Rendering: one <li class="todo-item" data-id> per item, kept and patched in place
  // so a change from elsewhere never disturbs the item being edited here.

  function idOf(element) {
    return Number(element.closest('.todo-item').dataset.id);
  }

  function buildItem(id) {
    const element = document.createElement('li');
    element.className = 'todo-item';
    element.dataset.id = String(id);

    const done = document.createElement('input');
    done.type = 'checkbox';
    done.className = 'done';
    done.setAttribute('aria-label', 'Done');
    done.addEventListener('change', () => updateItem(idOf(done), { done: done.checked }));

    const text = document.createElement('span');
    text.className = 'text';
    text.title = 'Click to edit';
    text.addEventListener('click', () => startEditing(element));

    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'delete';
    remove.textContent = 'Delete';
    remove.addEventListener('click', () => deleteItem(idOf(remove)));

    element.append(done, text, remove);
    return element;
  }

  function fillItem(element, item) {
    element.classList.toggle('done', item.done);
    element.querySelector('.done').checked = item.done;
    element.querySelector('.text').textContent = item.text;
  }

  function startEditing(element) {
    if (element.querySelector('.edit-text')) return;
    const text = element.querySelector('.text');
    const editor = document.createElement('input');
    editor.className = 'edit-text';
    editor.maxLength = 200;
    editor.value = text.textContent;
    editor.setAttribute('aria-label', 'Edit item');
    text.hidden = true;
    text.after(editor);
    editor.focus();

    let finished = false;
    function finish(save) {
      if (finished) return;
      finished = true;
      const value = editor.value.trim();
      editor.remove();
      text.hidden = false;
      if (save && !value) showError(new Error(EMPTY_TEXT));
      if (save && value && value !== text.textContent) {
        text.textContent = value;
        updateItem(idOf(element), { text: value });
      } else {
        render();
      }
    }
    editor.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') finish(true);
      else if (event.key === 'Escape') finish(false);
    });
    editor.addEventListener('blur', () => finish(true));
  }

  function render() {
    const items = live.items.slice().sort((a, b) => a.order - b.order || a.id - b.id);
    const existing = new Map(Array.from(itemsElement.children, (element) => [element.dataset.id, element]));
    items.forEach((item, index) => {
      const key = String(item.id);
      const element = existing.get(key) || buildItem(item.id);
      existing.delete(key);
      fillItem(element, item);
      if (itemsElement.children[index] !== element) {
        itemsElement.insertBefore(element, itemsElement.children[index] || null);
      }
    });
    for (const element of existing.values()) element.remove();
    emptyElement.hidden = items.length > 0;
  }

  newItemForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = newItemText.value.trim();
    if (!text) {
      newItemText.value = '';
      showError(new Error(EMPTY_TEXT));
      return;
    }
    if (!live || adding) return;
    adding = true;
    try {
      if (await createItem(text)) newItemText.value = '';
    } finally {
      adding = false;
    }
  });

  // Presence: who else is looking at this list.

  const room = realtime.subscribe(`presence-todo-list-${listId}`);

  function renderMembers() {
    const members = [];
    room.members.each((member) => members.push(member));
    members.sort((a, b) => String(a.info.name).localeCompare(String(b.info.name)) || a.id.localeCompare(b.id));
    membersElement.replaceChildren(
      ...members.map((member) => {
        const element = document.createElement('li');
        element.className = 'member';
        element.dataset.id = member.id;
        element.textContent = member.id === room.members.myID ? `${member.info.name} (you)` : member.info.name;
        return element;
      }),
    );
  }
  room.bind('pusher:subscription_succeeded', renderMembers);
  room.bind('pusher:member_added', renderMembers);
  room.bind('pusher:member_removed', renderMembers);
  room.bind('pusher:subscription_error', (error) => showError(new Error(`Presence refused: ${error.error || error.message || error.status}`)));

  // Items: the first page of the list, then every change as it happens.

  realtime
    .live(ROUTE, { todo_list: listId, ordering: 'order' })
    .then((answer) => {
      live = answer;
      live.mapper.onChange(render);
      render();
    })
    .catch(showError);
})();

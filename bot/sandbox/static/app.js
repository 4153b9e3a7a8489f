// The sandbox page: a Telegram-like client of the bot's Bot API emulator.
// Plain DOM code, no framework. Bot text is built from Telegram entities with textContent,
// never parsed as HTML, so whatever the bot sends cannot run in this page.
"use strict";

const I18N = {
  uk: {
    sandbox: "Пісочниця:",
    bannerNote: "нічого не виходить за межі цього комп'ютера; дані в {dir}",
    persona: "Персона",
    uiLanguage: "Мова сторінки",
    reset: "Скинути",
    chats: "Чати",
    backToChats: "Назад до чатів",
    messages: "Повідомлення",
    replyingTo: "Відповідь на:",
    cancelReply: "Скасувати відповідь",
    menu: "Меню",
    attach: "Надіслати фото чи файл",
    message: "Повідомлення",
    messagePlaceholder: "Повідомлення",
    send: "Надіслати",
    cancel: "Скасувати",
    resetYes: "Так, скинути",
    resetQuestion:
      "Скинути пісочницю? Усі чати, звернення та файли зникнуть, базу буде створено наново з прикладами, а бота перезапущено.",
    botName: "Бот громади",
    botLabel: "бот",
    privateChatSubtitle: "приватний чат з ботом",
    groupSubtitle: "група секретаріату",
    groupGuest:
      "У Telegram ця персона не була б у цій групі. Тут можна писати й натискати кнопки: бот відповість так, як відповідає тому, хто не має прав співробітника.",
    status_starting: "Бот запускається…",
    status_running: "Бот працює",
    status_restarting: "Бот перезапускається…",
    status_stopped: "Бот зупинено",
    status_unknown: "Стан бота невідомий",
    disconnected: "Немає зв'язку зі сторінкою пісочниці; перепідключаюся…",
    edited: "змінено",
    reply: "Відповісти",
    photo: "Фото",
    document: "Файл",
    sticker: "Наліпка",
    voice: "Голосове повідомлення",
    contact: "Контакт",
    noMessages: "Повідомлень ще немає. Почніть із /start.",
    noCommands: "Бот не задав команд для цього чату",
    commandsTitle: "Команди бота",
    violationOn: "Bot API відхилив {method}: {description}",
    violationsGlobal: "Порушень Bot API поза чатами: {count}",
    urlAnswer: "Бот відкрив би посилання: {url}",
    linkButton: "Відкриває посилання",
    unsupportedButton: "Ця кнопка не підтримується в пісочниці",
    sending: "Надсилаю…",
    resetting: "Скидаю пісочницю…",
    bytes: "Б",
    kilobytes: "КБ",
    megabytes: "МБ",
    err_unknown_persona: "Невідома персона.",
    err_chat_not_found: "Цей чат недоступний для обраної персони.",
    err_text_empty: "Повідомлення порожнє.",
    err_text_too_long: "Повідомлення задовге: у Telegram не більше {limit} символів (зараз {length}).",
    err_caption_too_long: "Підпис задовгий: не більше {limit} символів.",
    err_reply_not_found: "Повідомлення, на яке ви відповідаєте, вже видалено.",
    err_file_too_large: "Файл завеликий: у пісочниці не більше 20 МБ.",
    err_file_empty: "Файл порожній.",
    err_message_not_found: "Цього повідомлення вже немає.",
    err_button_gone: "Цієї кнопки вже немає: бот змінив повідомлення.",
    err_not_callback_button: "Ця кнопка відкриває посилання.",
    err_no_reply_keyboard: "Клавіатура вже прихована.",
    err_client_header_required: "Запит відхилено: сторінку треба відкрити заново.",
    err_forbidden_host: "Запит відхилено: невідома адреса сервера.",
    err_forbidden_origin: "Запит відхилено: інше джерело сторінки.",
    err_not_found: "Не знайдено.",
    err_bad_request: "Хибний запит: {description}",
    err_network: "Не вдалося зв'язатися з пісочницею.",
  },
  en: {
    sandbox: "Sandbox:",
    bannerNote: "nothing leaves this computer; data in {dir}",
    persona: "Persona",
    uiLanguage: "Page language",
    reset: "Reset",
    chats: "Chats",
    backToChats: "Back to chats",
    messages: "Messages",
    replyingTo: "Reply to:",
    cancelReply: "Cancel reply",
    menu: "Menu",
    attach: "Send a photo or file",
    message: "Message",
    messagePlaceholder: "Message",
    send: "Send",
    cancel: "Cancel",
    resetYes: "Yes, reset",
    resetQuestion:
      "Reset the sandbox? Every chat, report and file goes; the database is created again with examples and the bot restarts.",
    botName: "Hromada bot",
    botLabel: "bot",
    privateChatSubtitle: "private chat with the bot",
    groupSubtitle: "secretariat group",
    groupGuest:
      "In Telegram this persona would not be in this group. Here it can write and press buttons: the bot answers as it answers anyone without staff rights.",
    status_starting: "The bot is starting…",
    status_running: "The bot is running",
    status_restarting: "The bot is restarting…",
    status_stopped: "The bot is stopped",
    status_unknown: "Bot status unknown",
    disconnected: "Lost the connection to the sandbox page; reconnecting…",
    edited: "edited",
    reply: "Reply",
    photo: "Photo",
    document: "File",
    sticker: "Sticker",
    voice: "Voice message",
    contact: "Contact",
    noMessages: "No messages yet. Start with /start.",
    noCommands: "The bot set no commands for this chat",
    commandsTitle: "Bot commands",
    violationOn: "The Bot API refused {method}: {description}",
    violationsGlobal: "Bot API violations outside chats: {count}",
    urlAnswer: "The bot would open a link: {url}",
    linkButton: "Opens a link",
    unsupportedButton: "This button is not supported in the sandbox",
    sending: "Sending…",
    resetting: "Resetting the sandbox…",
    bytes: "B",
    kilobytes: "KB",
    megabytes: "MB",
    err_unknown_persona: "Unknown persona.",
    err_chat_not_found: "This chat is not open to the chosen persona.",
    err_text_empty: "The message is empty.",
    err_text_too_long: "The message is too long: Telegram allows at most {limit} characters (this one has {length}).",
    err_caption_too_long: "The caption is too long: at most {limit} characters.",
    err_reply_not_found: "The message you are replying to was deleted.",
    err_file_too_large: "The file is too large: the sandbox takes at most 20 MB.",
    err_file_empty: "The file is empty.",
    err_message_not_found: "This message is gone.",
    err_button_gone: "This button is gone: the bot changed the message.",
    err_not_callback_button: "This button opens a link.",
    err_no_reply_keyboard: "The keyboard is already hidden.",
    err_client_header_required: "Request refused: reload the page.",
    err_forbidden_host: "Request refused: unknown server address.",
    err_forbidden_origin: "Request refused: another origin.",
    err_not_found: "Not found.",
    err_bad_request: "Bad request: {description}",
    err_network: "Could not reach the sandbox.",
  },
};

const UPLOAD_LIMIT = 20 * 1024 * 1024;
const TEXT_LIMIT = 4096;
const SAFE_LINK = /^(https?:|mailto:|tg:)/i;

const app = {
  lang: "en",
  state: null, // the last /api/state
  personaKey: null,
  chatId: null,
  messages: new Map(), // message_id -> view, of the open chat
  notes: [], // standalone violations of the open chat
  replyTo: null,
  unread: new Map(), // chat_id -> count
  source: null,
  loadToken: 0,
  lengthNoted: false,
  commandsTimer: null,
};

const $ = (selector) => document.querySelector(selector);

function t(key, values) {
  const table = I18N[app.lang] || I18N.en;
  let text = table[key] ?? I18N.en[key] ?? key;
  for (const [name, value] of Object.entries(values || {})) {
    text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

// ------------------------------------------------------------------ server calls

class RequestFailed extends Error {
  constructor(code, description) {
    super(description || code);
    this.code = code;
    this.description = description || "";
  }
}

async function request(path, options = {}) {
  let response;
  try {
    response = await fetch(path, { credentials: "same-origin", ...options });
  } catch (error) {
    throw new RequestFailed("network", String(error));
  }
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    body = null;
  }
  if (!response.ok) {
    throw new RequestFailed(body?.error || "bad_request", body?.description || response.statusText);
  }
  return body;
}

function post(path, data) {
  return request(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Sandbox-Client": "1" },
    body: JSON.stringify(data),
  });
}

function errorText(error, extra) {
  const key = `err_${error.code}`;
  if (I18N.en[key]) return t(key, { description: error.description, ...extra });
  return t("err_bad_request", { description: error.description || error.code });
}

// ------------------------------------------------------------------ notes and toasts

let toastTimer = null;

function showToast(text) {
  const toast = $("#toast");
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    toast.hidden = true;
  }, 4000);
}

function hideToast() {
  clearTimeout(toastTimer);
  $("#toast").hidden = true;
}

function showAlert(text) {
  const dialog = $("#alert");
  $("#alert-text").textContent = text;
  if (!dialog.open) dialog.showModal();
  $("#alert-ok").focus();
}

function showComposerNote(text) {
  const note = $("#composer-note");
  note.textContent = text;
  note.hidden = !text;
}

// ------------------------------------------------------------------ helpers over the state

function persona() {
  return app.state?.personas.find((p) => p.key === app.personaKey) || null;
}

function groupOf(chatId) {
  return app.state?.groups.find((g) => g.chat_id === chatId) || null;
}

// Every persona may write and press in every staff group, as the walkthroughs need
// (a head pressing a card's button learns what the bot tells someone without staff rights);
// the note says when, in Telegram, the persona would not be in that group.
function canAct(chatId) {
  const me = persona();
  if (!me) return false;
  return chatId === me.user_id || groupOf(chatId) !== null;
}

function isGroupMember(chatId) {
  const me = persona();
  return Boolean(me) && (groupOf(chatId) === null || me.groups.includes(chatId));
}

function chatTitle(chatId) {
  const group = groupOf(chatId);
  return group ? group.title : t("botName");
}

function senderName(from) {
  if (!from) return "";
  if (from.is_bot) return t("botName");
  return [from.first_name, from.last_name].filter(Boolean).join(" ");
}

function formatSize(size) {
  if (size < 1024) return `${size} ${t("bytes")}`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} ${t("kilobytes")}`;
  return `${(size / 1024 / 1024).toFixed(1)} ${t("megabytes")}`;
}

function formatTime(seconds) {
  const date = new Date(seconds * 1000);
  return date.toLocaleTimeString(app.lang === "uk" ? "uk-UA" : "en-GB", {
    hour: "2-digit",
    minute: "2-digit",
  });
}

function previewText(view) {
  if (!view) return "";
  if (view.text) return view.text;
  if (view.caption) return view.caption;
  if (view.photo) return t("photo");
  if (view.document) return view.document.file_name || t("document");
  if (view.contact) return t("contact");
  if (view.sticker) return t("sticker");
  if (view.voice) return t("voice");
  return "";
}

// ------------------------------------------------------------------ entities -> DOM

function entityElement(entity, slice) {
  let node;
  switch (entity.type) {
    case "bold":
      return el("b");
    case "italic":
      return el("i");
    case "underline":
      return el("u");
    case "strikethrough":
      return el("s");
    case "code":
      return el("code");
    case "pre": {
      node = el("pre");
      if (entity.language) node.dataset.language = entity.language;
      return node;
    }
    case "spoiler": {
      node = el("span", "spoiler");
      node.tabIndex = 0;
      node.setAttribute("role", "button");
      return node;
    }
    case "blockquote":
    case "expandable_blockquote":
      return el("blockquote");
    case "text_link":
    case "url": {
      const href = entity.type === "url" ? slice : entity.url || "";
      const target = /^[a-z][a-z0-9+.-]*:/i.test(href) ? href : `https://${href}`;
      if (!SAFE_LINK.test(target)) return el("span", "link");
      node = el("a");
      node.href = target;
      node.target = "_blank";
      node.rel = "noopener noreferrer";
      return node;
    }
    case "email": {
      node = el("a");
      node.href = `mailto:${slice}`;
      return node;
    }
    case "bot_command": {
      node = el("button", "bot-command");
      node.type = "button";
      return node;
    }
    default:
      return el("span", `entity-${String(entity.type).replace(/[^a-z_]/g, "")}`);
  }
}

// Of two entities over the same text, a block (pre, quote) wraps an inline one.
function blockRank(entity) {
  return ["pre", "blockquote", "expandable_blockquote"].includes(entity.type) ? 0 : 1;
}

// Entities may nest (bold inside a link); offsets and lengths are UTF-16 code units, which
// is what JS string indices count.
function renderEntities(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = (entities || [])
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .map((e) => ({ ...e, offset: Math.max(0, e.offset), end: Math.min(text.length, e.offset + e.length) }))
    .filter((e) => e.offset < e.end)
    .sort((a, b) => a.offset - b.offset || b.end - a.end || blockRank(a) - blockRank(b));

  function build(parent, start, end, list) {
    let position = start;
    let index = 0;
    while (index < list.length) {
      const entity = list[index];
      index += 1;
      const inner = [];
      while (index < list.length && list[index].offset < entity.end) {
        inner.push({ ...list[index], end: Math.min(list[index].end, entity.end) });
        index += 1;
      }
      if (entity.offset > position) parent.append(text.slice(position, entity.offset));
      const node = entityElement(entity, text.slice(entity.offset, entity.end));
      build(node, entity.offset, entity.end, inner);
      parent.append(node);
      position = Math.max(position, entity.end);
    }
    if (position < end) parent.append(text.slice(position, end));
  }

  build(fragment, 0, text.length, sorted);
  return fragment;
}

// ------------------------------------------------------------------ messages

function violationNote(entry) {
  const note = el(
    "p",
    "violation",
    t("violationOn", { method: entry.method, description: entry.description }),
  );
  note.setAttribute("role", "note");
  return note;
}

function renderKeyboard(view) {
  const rows = view.reply_markup?.inline_keyboard;
  if (!rows || rows.length === 0) return null;
  const keyboard = el("div", "inline-keyboard");
  const acting = canAct(app.chatId);
  rows.forEach((row, rowIndex) => {
    const line = el("div", "keyboard-row");
    row.forEach((button, colIndex) => {
      let node;
      if (button.url && SAFE_LINK.test(button.url)) {
        node = el("a", "inline-button", button.text);
        node.href = button.url;
        node.target = "_blank";
        node.rel = "noopener noreferrer";
        node.title = t("linkButton");
      } else {
        node = el("button", "inline-button", button.text);
        node.type = "button";
        if (button.callback_data === undefined) {
          node.disabled = true;
          node.title = t("unsupportedButton");
        } else {
          node.disabled = !acting;
          node.dataset.row = String(rowIndex);
          node.dataset.col = String(colIndex);
          node.addEventListener("click", () => pressInline(view.message_id, rowIndex, colIndex));
        }
      }
      line.append(node);
    });
    keyboard.append(line);
  });
  return keyboard;
}

function renderMessage(view) {
  const me = persona();
  const fromBot = Boolean(view.from?.is_bot);
  const fromMe = !fromBot && me && view.from?.id === me.user_id;
  const item = el("article", "message");
  item.classList.add(fromBot ? "from-bot" : "from-user");
  if (fromMe) item.classList.add("from-me");
  item.dataset.messageId = String(view.message_id);
  item.tabIndex = -1;

  const bubble = el("div", "bubble");
  const group = groupOf(app.chatId);
  if (group && !fromMe) bubble.append(el("p", "sender", senderName(view.from)));

  if (view.reply_to_message) {
    const quoted = view.reply_to_message;
    const quote = el("button", "reply-quote");
    quote.type = "button";
    quote.append(el("span", "reply-quote-sender", senderName(quoted.from)));
    quote.append(el("span", "reply-quote-text", previewText(quoted).slice(0, 120)));
    quote.addEventListener("click", () => focusMessage(quoted.message_id));
    bubble.append(quote);
  }

  if (view.photo && view.photo.length) {
    const largest = view.photo[view.photo.length - 1];
    const image = el("img", "photo");
    image.src = `/files/${encodeURIComponent(largest.file_id)}`;
    image.alt = view.caption || t("photo");
    // The picture's height is known only once it loads: keep a reader at the bottom there.
    image.addEventListener("load", () => {
      const box = $("#messages");
      if (box.scrollHeight - box.scrollTop - box.clientHeight < 120 + image.height) scrollToBottom();
    });
    bubble.append(image);
  }
  if (view.document) {
    const link = el("a", "document");
    link.href = `/files/${encodeURIComponent(view.document.file_id)}`;
    link.download = view.document.file_name || "";
    link.append(el("span", "document-icon", "📄"));
    link.append(el("span", "document-name", view.document.file_name || t("document")));
    link.append(el("span", "document-size", formatSize(view.document.file_size || 0)));
    bubble.append(link);
  }
  if (view.contact) {
    const contact = el("p", "contact");
    contact.append(el("span", "contact-label", `${t("contact")}: `));
    contact.append(
      `${[view.contact.first_name, view.contact.last_name].filter(Boolean).join(" ")}, ${view.contact.phone_number}`,
    );
    bubble.append(contact);
  }
  if (view.sticker) bubble.append(el("p", "sticker", view.sticker.emoji || t("sticker")));
  if (view.voice) bubble.append(el("p", "voice", `🎤 ${t("voice")}`));

  const body = view.text ?? view.caption;
  if (body) {
    const text = el("div", "text");
    text.append(renderEntities(body, view.text !== undefined ? view.entities : view.caption_entities));
    bubble.append(text);
  }

  const meta = el("p", "meta");
  if (view.edit_date) meta.append(el("span", "edited", t("edited")));
  const time = el("time", "time", formatTime(view.date));
  time.dateTime = new Date(view.date * 1000).toISOString();
  meta.append(time);
  bubble.append(meta);

  for (const entry of view.violations || []) bubble.append(violationNote(entry));
  item.append(bubble);

  const keyboard = renderKeyboard(view);
  if (keyboard) item.append(keyboard);

  if (canAct(app.chatId)) {
    const replyButton = el("button", "reply-action", "↩");
    replyButton.type = "button";
    replyButton.setAttribute("aria-label", t("reply"));
    replyButton.title = t("reply");
    replyButton.addEventListener("click", () => setReplyTo(view));
    item.append(replyButton);
  }
  return item;
}

function focusMessage(messageId) {
  const node = $(`#messages .message[data-message-id="${Number(messageId)}"]`);
  if (!node) return;
  node.scrollIntoView({ block: "center" });
  node.focus({ preventScroll: true });
  node.classList.add("highlight");
  setTimeout(() => node.classList.remove("highlight"), 1500);
}

function nearBottom() {
  const box = $("#messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

function scrollToBottom() {
  const box = $("#messages");
  box.scrollTop = box.scrollHeight;
}

function renderMessages() {
  const box = $("#messages");
  box.replaceChildren();
  const items = [];
  for (const view of app.messages.values()) {
    if (!view.deleted) items.push({ time: view.date, node: renderMessage(view) });
  }
  for (const note of app.notes) items.push({ time: note.time, node: violationNote(note) });
  items.sort((a, b) => a.time - b.time);
  if (items.length === 0) box.append(el("p", "empty", t("noMessages")));
  for (const item of items) box.append(item.node);
  scrollToBottom();
}

function upsertMessage(view) {
  const stick = nearBottom();
  app.messages.set(view.message_id, view);
  const box = $("#messages");
  const old = box.querySelector(`.message[data-message-id="${view.message_id}"]`);
  if (view.deleted) {
    old?.remove();
    return;
  }
  const node = renderMessage(view);
  if (old) {
    old.replaceWith(node);
  } else {
    box.querySelector(".empty")?.remove();
    box.append(node);
    if (stick || view.from?.id === persona()?.user_id) scrollToBottom();
  }
}

// ------------------------------------------------------------------ chat list

function personaChats() {
  const me = persona();
  if (!me) return [];
  return [me.user_id, ...app.state.groups.map((g) => g.chat_id)];
}

function renderChatList() {
  const list = $("#chat-list");
  list.replaceChildren();
  const summaries = new Map(app.state.chats.map((c) => [c.chat_id, c.last]));
  for (const chatId of personaChats()) {
    const item = el("li");
    const button = el("button", "chat-entry");
    button.type = "button";
    button.dataset.chatId = String(chatId);
    if (chatId === app.chatId) button.setAttribute("aria-current", "true");
    const avatar = el("span", "avatar", chatTitle(chatId).slice(0, 1));
    avatar.setAttribute("aria-hidden", "true");
    const texts = el("span", "chat-entry-texts");
    texts.append(el("span", "chat-entry-title", chatTitle(chatId)));
    const last = summaries.get(chatId);
    texts.append(el("span", "chat-entry-preview", previewText(last).split("\n")[0].slice(0, 80)));
    button.append(avatar, texts);
    const unread = app.unread.get(chatId) || 0;
    if (unread > 0) button.append(el("span", "unread", String(unread)));
    button.addEventListener("click", () => openChat(chatId, { focus: true }));
    item.append(button);
    list.append(item);
  }
}

function noteLastMessage(chatId, view) {
  const summary = app.state?.chats.find((c) => c.chat_id === chatId);
  if (summary && !view.deleted) summary.last = view;
}

// ------------------------------------------------------------------ reply keyboard, commands

function renderReplyKeyboard(markup) {
  const box = $("#reply-keyboard");
  box.replaceChildren();
  const rows = markup?.keyboard;
  if (!rows || !canAct(app.chatId)) {
    box.hidden = true;
    return;
  }
  for (const row of rows) {
    const line = el("div", "keyboard-row");
    for (const raw of row) {
      const button = typeof raw === "string" ? { text: raw } : raw;
      const node = el("button", "reply-button", button.text);
      node.type = "button";
      if (button.request_contact) node.classList.add("request-contact");
      node.addEventListener("click", () => pressReplyButton(button.text));
      line.append(node);
    }
    box.append(line);
  }
  box.hidden = false;
}

async function loadCommands() {
  const chatId = app.chatId;
  const key = app.personaKey;
  const menu = $("#command-menu");
  try {
    const data = await request(
      `/api/commands?persona=${encodeURIComponent(key)}&chat=${encodeURIComponent(chatId)}`,
    );
    if (chatId !== app.chatId || key !== app.personaKey) return;
    menu.replaceChildren();
    menu.append(el("p", "command-menu-title", t("commandsTitle")));
    if (data.commands.length === 0) menu.append(el("p", "command-empty", t("noCommands")));
    for (const command of data.commands) {
      const item = el("button", "command-item");
      item.type = "button";
      item.setAttribute("role", "menuitem");
      item.append(el("span", "command-name", `/${command.command}`));
      item.append(` — ${command.description}`);
      item.addEventListener("click", () => {
        closeCommandMenu();
        sendText(`/${command.command}`);
      });
      menu.append(item);
    }
  } catch (error) {
    menu.replaceChildren(el("p", "command-empty", errorText(error)));
  }
}

function closeCommandMenu() {
  $("#command-menu").hidden = true;
  $("#commands").setAttribute("aria-expanded", "false");
}

function toggleCommandMenu() {
  const menu = $("#command-menu");
  if (!menu.hidden) {
    closeCommandMenu();
    return;
  }
  menu.hidden = false;
  $("#commands").setAttribute("aria-expanded", "true");
  menu.querySelector(".command-item")?.focus();
}

// ------------------------------------------------------------------ opening a chat

function updateComposerAccess() {
  const acting = canAct(app.chatId);
  const member = isGroupMember(app.chatId);
  const note = $("#readonly-note");
  note.textContent = member ? "" : t("groupGuest");
  note.hidden = member;
  for (const selector of ["#composer", "#send", "#attach", "#commands"]) $(selector).disabled = !acting;
}

async function openChat(chatId, { focus = false } = {}) {
  const token = ++app.loadToken;
  if (app.chatId !== chatId) setReplyTo(null);
  app.chatId = chatId;
  app.unread.delete(chatId);
  if (focus) document.body.classList.add("show-chat");
  $("#chat-title").textContent = chatTitle(chatId);
  $("#chat-subtitle").textContent = groupOf(chatId) ? t("groupSubtitle") : t("privateChatSubtitle");
  renderChatList();
  updateComposerAccess();
  closeCommandMenu();
  showComposerNote("");
  try {
    const data = await request(
      `/api/chats/${encodeURIComponent(chatId)}/messages?persona=${encodeURIComponent(app.personaKey)}`,
    );
    if (token !== app.loadToken) return;
    app.messages = new Map(data.messages.map((m) => [m.message_id, m]));
    app.notes = data.notes;
    renderMessages();
    renderReplyKeyboard(data.reply_keyboard);
  } catch (error) {
    showComposerNote(errorText(error));
  }
  loadCommands();
  if (focus && canAct(chatId)) $("#composer").focus();
}

// ------------------------------------------------------------------ acting

function setReplyTo(view) {
  app.replyTo = view ? view.message_id : null;
  const bar = $("#reply-bar");
  bar.hidden = !view;
  $("#reply-bar-preview").textContent = view
    ? `${senderName(view.from)}: ${previewText(view).slice(0, 80)}`
    : "";
  if (view) $("#composer").focus();
}

async function act(path, data) {
  showComposerNote("");
  try {
    return await post(path, data);
  } catch (error) {
    showComposerNote(errorText(error));
    return null;
  }
}

async function sendText(text) {
  if (!text.trim()) return false;
  if (text.length > TEXT_LIMIT) {
    showComposerNote(t("err_text_too_long", { limit: TEXT_LIMIT, length: text.length }));
    return false;
  }
  const result = await act("/api/send", {
    persona: app.personaKey,
    chat_id: app.chatId,
    text,
    reply_to: app.replyTo,
  });
  if (result) setReplyTo(null);
  return Boolean(result);
}

async function sendComposer() {
  const composer = $("#composer");
  const sent = await sendText(composer.value);
  if (sent) {
    composer.value = "";
    resizeComposer();
  }
  composer.focus();
}

async function sendFile(file) {
  if (file.size > UPLOAD_LIMIT) {
    showComposerNote(t("err_file_too_large"));
    return;
  }
  const form = new FormData();
  form.append("persona", app.personaKey);
  form.append("chat_id", String(app.chatId));
  const caption = $("#composer").value;
  if (caption.trim()) form.append("caption", caption);
  if (app.replyTo !== null) form.append("reply_to", String(app.replyTo));
  form.append("file", file, file.name);
  showComposerNote("");
  try {
    await request("/api/upload", {
      method: "POST",
      headers: { "X-Sandbox-Client": "1" },
      body: form,
    });
    $("#composer").value = "";
    resizeComposer();
    setReplyTo(null);
  } catch (error) {
    showComposerNote(errorText(error));
  }
}

function pressInline(messageId, row, col) {
  return act("/api/press", {
    persona: app.personaKey,
    chat_id: app.chatId,
    message_id: messageId,
    row,
    col,
  });
}

function pressReplyButton(text) {
  return act("/api/reply-button", { persona: app.personaKey, chat_id: app.chatId, text });
}

function resizeComposer() {
  const composer = $("#composer");
  composer.style.height = "auto";
  composer.style.height = `${Math.min(composer.scrollHeight, 200)}px`;
}

// ------------------------------------------------------------------ live events

function handleEvent(event) {
  const me = persona();
  switch (event.type) {
    case "hello":
    case "resync":
    case "reset":
      if (event.status) renderStatus(event.status);
      reload();
      return;
    case "status":
      renderStatus(event.status);
      return;
    case "message":
    case "edit":
      noteLastMessage(event.chat_id, event.message);
      if (event.chat_id === app.chatId) {
        upsertMessage(event.message);
      } else if (event.type === "message" && personaChats().includes(event.chat_id)) {
        app.unread.set(event.chat_id, (app.unread.get(event.chat_id) || 0) + 1);
      }
      renderChatList();
      return;
    case "delete":
      if (event.chat_id === app.chatId) {
        const view = app.messages.get(event.message_id);
        if (view) upsertMessage({ ...view, deleted: true });
      }
      return;
    case "callback_answer":
      if (!me || event.user_id !== me.user_id) return;
      if (event.text && event.show_alert) showAlert(event.text);
      else if (event.text) showToast(event.text);
      else if (event.url) showToast(t("urlAnswer", { url: event.url }));
      return;
    case "violation":
      if (event.chat_id === null) {
        app.state?.violations.push(event);
        renderGlobalViolations();
      } else if (event.chat_id === app.chatId) {
        if (event.message_id !== null) {
          const view = app.messages.get(event.message_id);
          if (view) upsertMessage({ ...view, violations: [...(view.violations || []), event] });
        } else {
          app.notes.push(event);
          $("#messages").append(violationNote(event));
          scrollToBottom();
        }
      }
      return;
    case "commands":
      // A bot sets its menus scope by scope at start: fetch once the burst is over.
      clearTimeout(app.commandsTimer);
      app.commandsTimer = setTimeout(loadCommands, 300);
      return;
    case "reply_keyboard":
      if (event.chat_id === app.chatId) renderReplyKeyboard(event.keyboard);
      return;
    default:
      return;
  }
}

function connectEvents() {
  if (app.source) app.source.close();
  const source = new EventSource("/api/events");
  app.source = source;
  source.onmessage = (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    handleEvent(event);
  };
  source.onerror = () => {
    $("#bot-status").textContent = t("disconnected");
  };
}

// ------------------------------------------------------------------ the whole page

function renderStatus(status) {
  if (app.state) app.state.status = status;
  const bot = status?.bot;
  $("#bot-status").textContent = t(`status_${bot}`) === `status_${bot}` ? t("status_unknown") : t(`status_${bot}`);
  $("#bot-status").dataset.state = bot || "unknown";
  $("#banner-note").textContent = t("bannerNote", { dir: status?.data_dir || "./var/sandbox/" });
}

function renderGlobalViolations() {
  const box = $("#global-violations");
  const entries = app.state?.violations || [];
  box.hidden = entries.length === 0;
  box.textContent = t("violationsGlobal", { count: entries.length });
  box.title = entries
    .slice(-5)
    .map((e) => `${e.method}: ${e.description}`)
    .join("\n");
}

function renderPersonas() {
  const select = $("#persona");
  select.replaceChildren();
  for (const p of app.state.personas) {
    const option = el("option", null, `${p.name} — ${p.role[app.lang] || p.role.en}`);
    option.value = p.key;
    select.append(option);
  }
  select.value = app.personaKey;
}

function applyLanguage() {
  document.documentElement.lang = app.lang;
  document.title = app.lang === "uk" ? "Бот громади — пісочниця" : "Hromada bot — sandbox";
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of document.querySelectorAll("[data-i18n-aria]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nAria));
  }
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  $("#ui-lang").value = app.lang;
  if (app.state) {
    renderStatus(app.state.status);
    renderPersonas();
    renderGlobalViolations();
    renderChatList();
    if (app.chatId !== null) {
      $("#chat-title").textContent = chatTitle(app.chatId);
      $("#chat-subtitle").textContent = groupOf(app.chatId) ? t("groupSubtitle") : t("privateChatSubtitle");
      updateComposerAccess();
      renderMessages();
      loadCommands();
    }
  }
}

async function reload() {
  try {
    app.state = await request("/api/state");
  } catch (error) {
    showComposerNote(errorText(error));
    return;
  }
  if (!persona()) app.personaKey = app.state.personas[0].key;
  renderStatus(app.state.status);
  renderPersonas();
  renderGlobalViolations();
  const chats = personaChats();
  const chatId = chats.includes(app.chatId) ? app.chatId : chats[0];
  await openChat(chatId);
}

function choosePersona(key) {
  app.personaKey = key;
  localStorage.setItem("sandbox.persona", key);
  app.unread.clear();
  hideToast(); // an answer to the previous persona's press is not this persona's
  const me = persona();
  const keepGroup = groupOf(app.chatId) !== null;
  openChat(keepGroup ? app.chatId : me.user_id);
}

function initialLanguage() {
  const saved = localStorage.getItem("sandbox.lang");
  if (saved === "uk" || saved === "en") return saved;
  return (navigator.language || "").toLowerCase().startsWith("uk") ? "uk" : "en";
}

function wire() {
  $("#ui-lang").addEventListener("change", (event) => {
    app.lang = event.target.value === "uk" ? "uk" : "en";
    localStorage.setItem("sandbox.lang", app.lang);
    applyLanguage();
  });
  $("#persona").addEventListener("change", (event) => choosePersona(event.target.value));
  $("#composer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendComposer();
  });
  $("#composer").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendComposer();
    }
  });
  $("#composer").addEventListener("input", () => {
    resizeComposer();
    const length = $("#composer").value.length;
    if (length > TEXT_LIMIT) {
      showComposerNote(t("err_text_too_long", { limit: TEXT_LIMIT, length }));
      app.lengthNoted = true;
    } else if (app.lengthNoted) {
      showComposerNote("");
      app.lengthNoted = false;
    }
  });
  $("#attach").addEventListener("change", async (event) => {
    const file = event.target.files?.[0];
    event.target.value = "";
    if (file) await sendFile(file);
  });
  $("#commands").addEventListener("click", toggleCommandMenu);
  $("#command-menu").addEventListener("keydown", (event) => {
    const items = [...$("#command-menu").querySelectorAll(".command-item")];
    const index = items.indexOf(document.activeElement);
    if (event.key === "Escape") {
      closeCommandMenu();
      $("#commands").focus();
    } else if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      items[(index + 1) % items.length].focus();
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      items[(index - 1 + items.length) % items.length].focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest("#command-menu, #commands")) closeCommandMenu();
  });
  $("#reply-cancel").addEventListener("click", () => {
    setReplyTo(null);
    $("#composer").focus();
  });
  $("#back").addEventListener("click", () => {
    document.body.classList.remove("show-chat");
    $(`#chat-list [data-chat-id="${app.chatId}"]`)?.focus();
  });
  $("#messages").addEventListener("click", (event) => {
    const spoiler = event.target.closest(".spoiler");
    if (spoiler) spoiler.classList.add("revealed");
    const command = event.target.closest(".bot-command");
    if (command && canAct(app.chatId)) sendText(command.textContent);
  });
  $("#messages").addEventListener("keydown", (event) => {
    const spoiler = event.target.closest(".spoiler");
    if (spoiler && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      spoiler.classList.add("revealed");
    }
  });
  $("#reset").addEventListener("click", () => $("#confirm-reset").showModal());
  $("#confirm-reset-no").addEventListener("click", () => $("#confirm-reset").close());
  $("#confirm-reset-yes").addEventListener("click", async () => {
    $("#confirm-reset").close();
    $("#bot-status").textContent = t("resetting");
    $("#reset").disabled = true;
    try {
      const result = await post("/api/reset", { confirm: true });
      renderStatus(result.status);
      app.unread.clear();
      await reload();
    } catch (error) {
      showToast(errorText(error));
    } finally {
      $("#reset").disabled = false;
    }
  });
}

async function start() {
  app.lang = initialLanguage();
  app.personaKey = localStorage.getItem("sandbox.persona");
  wire();
  applyLanguage();
  await reload();
  connectEvents();
}

document.addEventListener("DOMContentLoaded", start);

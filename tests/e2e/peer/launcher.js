#!/usr/bin/env node
'use strict';
/*
 * A local Bot API server for end-to-end tests: telegram-test-api 4.2.1 keeps the messages,
 * this launcher speaks the Bot API the way Telegram does, where the package falls short for
 * python-telegram-bot 22:
 *   - getMe carries is_bot; message dates are in seconds; callback queries carry chat_instance;
 *   - HTML is parsed into text + entities (bad HTML is refused, as Telegram does);
 *   - Telegram's limits are enforced: 4096 characters of text, 1-64 bytes of callback data;
 *   - editMessageText returns the message, and an edit without a keyboard removes the keyboard;
 *   - getUpdates honours offset and timeout (real long polling);
 *   - setMyCommands, sendChatAction and friends exist; sendDocument and sendPhoto keep the multipart
 *     upload (read it back at /client/document) and refuse a caption over 1024 characters;
 *   - the clean-up timer is off; user commands always carry a bot_command entity;
 *   - blocking (403), flood limits (429) and webhooks with a secret token can be played; an update
 *     the webhook does not take (no answer, 5xx) is posted again, as Telegram does;
 *   - a token containing "rejected" is refused (401), as Telegram refuses a wrong token;
 *   - any update, even one Telegram would never send, can be delivered raw (/client/raw).
 * The user side is a small JSON API under /client (see the routes at the bottom).
 * Usage: node launcher.js [--port N] (0 picks a free port); prints "listening PORT" when ready.
 */
const http = require('http');
const express = require('express');
const multer = require('multer');
const TelegramServer = require('telegram-test-api');

const argPort = process.argv.indexOf('--port');
const PORT = argPort > 0 ? Number(process.argv[argPort + 1]) : 0;
const HOST = '127.0.0.1';
const BOT = { id: 666, is_bot: true, first_name: 'Thigh Coach', username: 'ThighCoachTestBot' };
const TEXT_LIMIT = 4096;
const CALLBACK_DATA_LIMIT = 64;
const CAPTION_LIMIT = 1024;

// the package keeps bot messages and hands out ids; its clean-up daemon only runs after start(),
// which we never call: this launcher serves HTTP itself
const tg = new TelegramServer({ port: PORT, host: HOST, storeTimeout: 10 ** 9 });

class ApiError extends Error {
  constructor(code, description, parameters) {
    super(description);
    this.code = code;
    this.parameters = parameters;
  }
}

const bots = new Map();
function bot(token) {
  if (!bots.has(token)) {
    bots.set(token, {
      updates: [], waiters: [], calls: [], blocked: new Set(), flood: { remaining: 0, retryAfter: 1 },
      webhook: null, commands: [], documents: new Map(),
    });
  }
  return bots.get(token);
}

const now = () => Math.floor(Date.now() / 1000);
const user = (id) => ({ id: Number(id), is_bot: false, first_name: `Runner ${id}`, language_code: 'en' });
const privateChat = (id) => ({ id: Number(id), type: 'private', first_name: `Runner ${id}` });

// --- HTML parse mode, as Telegram reads it --------------------------------------------------

const TAGS = {
  b: 'bold', strong: 'bold', i: 'italic', em: 'italic', u: 'underline', ins: 'underline',
  s: 'strikethrough', strike: 'strikethrough', del: 'strikethrough', code: 'code', pre: 'pre',
  a: 'text_link', 'tg-spoiler': 'spoiler', blockquote: 'blockquote',
};
const NAMED = { lt: '<', gt: '>', amp: '&', quot: '"' };

function parseHtml(html) {
  let text = '';
  const entities = [];
  const open = [];
  let i = 0;
  while (i < html.length) {
    const ch = html[i];
    if (ch === '<') {
      const m = /^<(\/?)([a-zA-Z-]+)((?:\s+[a-z-]+="[^"]*")*)\s*>/.exec(html.slice(i));
      if (!m || !TAGS[m[2].toLowerCase()]) {
        throw new ApiError(400, `Bad Request: can't parse entities: unsupported start tag at byte offset ${i}`);
      }
      const name = m[2].toLowerCase();
      if (m[1]) {
        const top = open.pop();
        if (!top || top.name !== name) {
          throw new ApiError(400, `Bad Request: can't parse entities: unmatched end tag ${name} at byte offset ${i}`);
        }
        if (text.length > top.offset) {
          const entity = { type: TAGS[name], offset: top.offset, length: text.length - top.offset };
          if (name === 'a') entity.url = top.href;
          entities.push(entity);
        }
      } else {
        const href = /href="([^"]*)"/.exec(m[3] || '');
        open.push({ name, offset: text.length, href: href ? href[1] : undefined });
      }
      i += m[0].length;
    } else if (ch === '&') {
      const m = /^&(#\d+|#x[0-9a-fA-F]+|[a-z]+);/.exec(html.slice(i));
      if (!m) throw new ApiError(400, `Bad Request: can't parse entities: stray & at byte offset ${i}`);
      const name = m[1];
      if (name.startsWith('#x')) text += String.fromCodePoint(parseInt(name.slice(2), 16));
      else if (name.startsWith('#')) text += String.fromCodePoint(parseInt(name.slice(1), 10));
      else if (NAMED[name]) text += NAMED[name];
      else throw new ApiError(400, `Bad Request: can't parse entities: unknown entity &${name};`);
      i += m[0].length;
    } else {
      text += ch;
      i += 1;
    }
  }
  if (open.length) throw new ApiError(400, `Bad Request: can't parse entities: unclosed tag ${open.pop().name}`);
  entities.sort((a, b) => a.offset - b.offset);
  return { text, entities };
}

function readText(body, field = 'text') {
  const raw = body[field];
  if (raw === undefined || raw === null) return null;
  const parsed = body.parse_mode === 'HTML' ? parseHtml(String(raw)) : { text: String(raw), entities: [] };
  if (parsed.text.trim().length === 0) throw new ApiError(400, `Bad Request: ${field} must be non-empty`);
  if (parsed.text.length > TEXT_LIMIT) throw new ApiError(400, 'Bad Request: message is too long');
  return parsed;
}

function readMarkup(body) {
  if (body.reply_markup === undefined || body.reply_markup === null || body.reply_markup === '') return undefined;
  const markup = typeof body.reply_markup === 'string' ? JSON.parse(body.reply_markup) : body.reply_markup;
  if (!markup.inline_keyboard) return undefined;
  for (const row of markup.inline_keyboard) {
    for (const button of row) {
      if (!button.text) throw new ApiError(400, 'Bad Request: button text must be non-empty');
      if (button.callback_data !== undefined) {
        const size = Buffer.byteLength(String(button.callback_data), 'utf8');
        if (size < 1 || size > CALLBACK_DATA_LIMIT) throw new ApiError(400, 'Bad Request: BUTTON_DATA_INVALID');
      }
    }
  }
  return markup;
}

// --- the bot side ----------------------------------------------------------------------

function checkCanSend(state, chatId) {
  if (state.blocked.has(Number(chatId))) throw new ApiError(403, 'Forbidden: bot was blocked by the user');
  if (state.flood.remaining > 0) {
    state.flood.remaining -= 1;
    const retry = state.flood.retryAfter;
    throw new ApiError(429, `Too Many Requests: retry after ${retry}`, { retry_after: retry });
  }
}

function keepUpload(token, files, field) {
  const file = (files || []).find((f) => f.fieldname === field);
  if (!file) throw new ApiError(400, `Bad Request: there is no ${field} in the request`);
  const fileId = `${field}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  bot(token).documents.set(fileId, file.buffer);
  return { fileId, file };
}

function captionOf(body) {
  const caption = readText(body, 'caption');
  if (caption && caption.text.length > CAPTION_LIMIT) throw new ApiError(400, 'Bad Request: message caption is too long');
  return caption ? { caption: caption.text, caption_entities: caption.entities } : {};
}

// a PNG's width and height, from its IHDR chunk (Telegram reports them for every photo size)
function pngSize(buffer) {
  const isPng = buffer.length > 24 && buffer.toString('ascii', 1, 4) === 'PNG';
  return isPng ? { width: buffer.readUInt32BE(16), height: buffer.readUInt32BE(20) } : { width: 0, height: 0 };
}

function storeBotMessage(token, chatId, fields) {
  // addBotMessage gives the message its id and keeps it in the package's history
  const stored = tg.addBotMessage({ chat_id: chatId }, token);
  const message = { message_id: stored.message_id, from: BOT, chat: privateChat(chatId), date: now(), ...fields };
  const record = tg.storage.botMessages.find((u) => u.messageId === stored.message_id && u.botToken === token);
  record.message = message;
  return message;
}

function findBotMessage(token, chatId, messageId) {
  const record = tg.storage.botMessages.find((u) => u.botToken === token
    && String(u.message.chat.id) === String(chatId) && String(u.messageId) === String(messageId));
  if (!record) throw new ApiError(400, 'Bad Request: message to edit not found');
  return record;
}

function sameMessage(a, b) {
  return a.text === b.text && JSON.stringify(a.entities || []) === JSON.stringify(b.entities || [])
    && JSON.stringify(a.reply_markup || null) === JSON.stringify(b.reply_markup || null);
}

const methods = {
  getMe: () => BOT,
  logOut: () => true,
  close: () => true,
  getUpdates: (token, body) => longPoll(token, body),
  setWebhook: (token, body) => {
    bot(token).webhook = { url: body.url, secret: body.secret_token || null };
    return true;
  },
  deleteWebhook: (token) => {
    bot(token).webhook = null;
    return true;
  },
  getWebhookInfo: (token) => ({ url: bot(token).webhook ? bot(token).webhook.url : '', has_custom_certificate: false,
    pending_update_count: bot(token).updates.length }),
  setMyCommands: (token, body) => {
    const commands = typeof body.commands === 'string' ? JSON.parse(body.commands) : body.commands;
    bot(token).commands.push({ scope: body.scope || null, commands });
    return true;
  },
  getMyCommands: (token) => {
    const sets = bot(token).commands;
    return sets.length ? sets[sets.length - 1].commands : [];
  },
  deleteMyCommands: () => true,
  setChatMenuButton: () => true,
  sendChatAction: () => true,
  answerCallbackQuery: (token, body) => {
    if (body.text && body.text.length > 200) throw new ApiError(400, 'Bad Request: answer text is too long');
    return true;
  },
  sendMessage: (token, body) => {
    const parsed = readText(body);
    if (!parsed) throw new ApiError(400, 'Bad Request: message text is empty');
    const markup = readMarkup(body);
    checkCanSend(bot(token), body.chat_id);
    return storeBotMessage(token, body.chat_id, { text: parsed.text, entities: parsed.entities, reply_markup: markup });
  },
  sendDocument: (token, body, files) => {
    checkCanSend(bot(token), body.chat_id);
    const { fileId, file } = keepUpload(token, files, 'document');
    return storeBotMessage(token, body.chat_id, {
      document: { file_id: fileId, file_unique_id: fileId, file_name: file.originalname, mime_type: file.mimetype,
        file_size: file.size },
      ...captionOf(body),
      reply_markup: readMarkup(body),
    });
  },
  sendPhoto: (token, body, files) => {
    checkCanSend(bot(token), body.chat_id);
    const { fileId, file } = keepUpload(token, files, 'photo');
    return storeBotMessage(token, body.chat_id, {
      photo: [{ file_id: fileId, file_unique_id: fileId, file_size: file.size, ...pngSize(file.buffer) }],
      ...captionOf(body),
      reply_markup: readMarkup(body),
    });
  },
  editMessageText: (token, body) => {
    const record = findBotMessage(token, body.chat_id, body.message_id);
    const parsed = readText(body);
    if (!parsed) throw new ApiError(400, 'Bad Request: text must be non-empty');
    // Telegram drops the keyboard of an edited message unless the edit sends one
    const next = { ...record.message, text: parsed.text, entities: parsed.entities, reply_markup: readMarkup(body) };
    if (sameMessage(record.message, next)) throw new ApiError(400, 'Bad Request: message is not modified');
    record.message = { ...next, edit_date: now() };
    return record.message;
  },
  editMessageReplyMarkup: (token, body) => {
    const record = findBotMessage(token, body.chat_id, body.message_id);
    const next = { ...record.message, reply_markup: readMarkup(body) };
    if (sameMessage(record.message, next)) throw new ApiError(400, 'Bad Request: message is not modified');
    record.message = { ...next, edit_date: now() };
    return record.message;
  },
  deleteMessage: (token, body) => {
    if (!tg.deleteMessage(Number(body.chat_id), Number(body.message_id))) {
      throw new ApiError(400, 'Bad Request: message to delete not found');
    }
    return true;
  },
};

function longPoll(token, body) {
  const state = bot(token);
  const offset = body.offset !== undefined ? Number(body.offset) : null;
  if (offset !== null) state.updates = state.updates.filter((u) => u.update_id >= offset);
  const limit = Math.min(Number(body.limit || 100), 100);
  const timeout = Math.min(Number(body.timeout || 0), 50);
  if (state.updates.length || timeout <= 0) return state.updates.slice(0, limit);
  return new Promise((resolve) => {
    const waiter = { resolve: () => resolve(state.updates.slice(0, limit)) };
    waiter.timer = setTimeout(() => {
      state.waiters = state.waiters.filter((w) => w !== waiter);
      waiter.resolve();
    }, timeout * 1000);
    state.waiters.push(waiter);
  });
}

// Like Telegram, an update the webhook did not take (no answer, or a server error) is sent again a
// few times, a little later each time: behind a load balancer it reaches another instance.
const WEBHOOK_ATTEMPTS = 8;

async function postUntilTaken(url, headers, body) {
  let status = 0;
  for (let attempt = 0; attempt < WEBHOOK_ATTEMPTS; attempt += 1) {
    try {
      status = (await fetch(url, { method: 'POST', headers, body })).status;
      if (status < 500) return status;
    } catch (error) {
      status = 0; // refused, reset or cut off mid-answer
    }
    await new Promise((resolve) => { setTimeout(resolve, Math.min(2000, 100 * 2 ** attempt)); });
  }
  return status;
}

async function deliver(token, update) {
  const state = bot(token);
  if (state.webhook) {
    const headers = { 'Content-Type': 'application/json' };
    if (state.webhook.secret) headers['X-Telegram-Bot-Api-Secret-Token'] = state.webhook.secret;
    return postUntilTaken(state.webhook.url, headers, JSON.stringify(update));
  }
  state.updates.push(update);
  const waiters = state.waiters;
  state.waiters = [];
  for (const waiter of waiters) {
    clearTimeout(waiter.timer);
    waiter.resolve();
  }
  return 200;
}

function newUpdate(fields) {
  const update = { update_id: tg.updateId, ...fields };
  tg.updateId += 1;
  return update;
}

// --- HTTP --------------------------------------------------------------------------------

const app = express();
app.use(express.json({ limit: '5mb' }));
app.use(express.urlencoded({ extended: true, limit: '5mb' }));
const upload = multer({ storage: multer.memoryStorage() });

function reply(res, promiseOrValue, call) {
  Promise.resolve()
    .then(() => promiseOrValue())
    .then((result) => {
      if (call) call.status = 200;
      res.json({ ok: true, result });
    })
    .catch((error) => {
      const code = error instanceof ApiError ? error.code : 500;
      if (call) {
        call.status = code;
        call.error = error.message;
      }
      const payload = { ok: false, error_code: code, description: error.message };
      if (error.parameters) payload.parameters = error.parameters;
      res.status(code).json(payload);
    });
}

app.all('/bot:token/:method', upload.any(), (req, res) => {
  const { token, method } = req.params;
  const body = { ...req.query, ...req.body };
  const call = method === 'getUpdates' ? null : { method, body, at: Date.now(), status: null };
  if (call) bot(token).calls.push(call);
  if (token.includes('rejected')) {
    reply(res, () => { throw new ApiError(401, 'Unauthorized'); });
    return;
  }
  const handler = Object.prototype.hasOwnProperty.call(methods, method) ? methods[method] : null;
  if (!handler) {
    reply(res, () => { throw new ApiError(404, `Not Found: method ${method} is not known here`); });
    return;
  }
  reply(res, () => handler(token, body, req.files), call);
});

// the user side: play a runner in a private chat

app.post('/client/message', (req, res) => {
  const { token, userId, text, message } = req.body;
  reply(res, async () => {
    const fields = { message_id: tg.messageId, from: user(userId), chat: privateChat(userId), date: now(), ...message };
    tg.messageId += 1;
    if (text !== undefined) {
      fields.text = text;
      const command = /^\/[A-Za-z0-9_]+(@\w+)?/.exec(text);
      if (command) fields.entities = [{ type: 'bot_command', offset: 0, length: command[0].length }];
    }
    const update = newUpdate({ message: fields });
    const status = await deliver(token, update);
    return { update_id: update.update_id, message_id: fields.message_id, webhook_status: status };
  });
});

app.post('/client/callback', (req, res) => {
  const { token, userId, messageId, data } = req.body;
  reply(res, async () => {
    const record = findBotMessage(token, userId, messageId);
    const buttons = (record.message.reply_markup ? record.message.reply_markup.inline_keyboard : []).flat();
    if (!buttons.some((b) => b.callback_data === data)) {
      throw new ApiError(400, 'no such button on that message now: a real client could not tap it');
    }
    const query = { id: String(tg.callbackId), from: user(userId), message: record.message,
      chat_instance: `ci-${userId}`, data };
    tg.callbackId += 1;
    const update = newUpdate({ callback_query: query });
    const status = await deliver(token, update);
    return { update_id: update.update_id, webhook_status: status };
  });
});

app.post('/client/raw', (req, res) => {
  const { token, update } = req.body;
  reply(res, async () => {
    const raw = newUpdate(update);
    await deliver(token, raw);
    return { update_id: raw.update_id };
  });
});

app.post('/client/block', (req, res) => {
  const { token, userId, blocked } = req.body;
  reply(res, async () => {
    const state = bot(token);
    if (blocked) state.blocked.add(Number(userId));
    else state.blocked.delete(Number(userId));
    const member = (status) => ({ status, user: BOT, until_date: status === 'kicked' ? 0 : undefined });
    const update = newUpdate({
      my_chat_member: { chat: privateChat(userId), from: user(userId), date: now(),
        old_chat_member: member(blocked ? 'member' : 'kicked'), new_chat_member: member(blocked ? 'kicked' : 'member') },
    });
    await deliver(token, update);
    return { update_id: update.update_id };
  });
});

app.post('/client/flood', (req, res) => {
  const { token, count, retryAfter } = req.body;
  reply(res, () => {
    bot(token).flood = { remaining: Number(count), retryAfter: Number(retryAfter || 1) };
    return true;
  });
});

app.get('/client/messages', (req, res) => {
  const { token, chatId } = req.query;
  reply(res, () => tg.storage.botMessages
    .filter((u) => u.botToken === token && (chatId === undefined || String(u.message.chat.id) === String(chatId)))
    .map((u) => u.message));
});

app.get('/client/document', (req, res) => {
  const { token, fileId } = req.query;
  const content = bot(token).documents.get(fileId);
  if (!content) {
    res.status(404).json({ ok: false, description: 'no such document' });
    return;
  }
  res.type('application/octet-stream').send(content);
});

// how many messages Telegram took whose text starts with `prefix`: a count, for polling without
// sending every call's body back each time
app.get('/client/taken', (req, res) => {
  const { token, prefix } = req.query;
  reply(res, () => bot(token).calls.filter((c) => c.method === 'sendMessage' && c.status === 200
    && String(c.body.text || '').startsWith(prefix || '')).length);
});

app.get('/client/calls', (req, res) => {
  const { token, method } = req.query;
  reply(res, () => bot(token).calls.filter((c) => !method || c.method === method));
});

app.get('/client/commands', (req, res) => {
  reply(res, () => bot(req.query.token).commands);
});

app.get('/client/pending', (req, res) => {
  reply(res, () => bot(req.query.token).updates.map((u) => u.update_id));
});

app.get('/client/webhook', (req, res) => {
  reply(res, () => bot(req.query.token).webhook);
});

const server = http.createServer(app);
server.keepAliveTimeout = 65000;
server.listen(PORT, HOST, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

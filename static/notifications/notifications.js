/*
 * Lianban live notifications (plain ES2017, no build step).
 *
 * One websocket per tab, kept across Turbo Drive navigations (this script sits in <head> with
 * data-turbo-eval="false", so it runs once per full page load). The socket URL carries
 * ?since=<lastSeenId>; the server replays what this tab missed, then pushes live messages:
 *   {"type": "notification", "notification": {id, event, title, body, url, created_at}, "unread": n}
 *   {"type": "unread", "unread": n}
 * The badge (#lb-notification-badge, rendered by templates/notifications/_badge.html) carries the
 * signed-in user (data-user), the unread count and the newest notification id at render time.
 */
(function () {
  "use strict";

  if (window.lianbanNotifications) {
    return;
  }

  const BADGE_ID = "lb-notification-badge";
  const TOASTS_ID = "lb-toasts";
  const TOAST_MS = 8000;
  const MIN_DELAY_MS = 1000;
  const MAX_DELAY_MS = 30000;
  const FIRST_SPREAD_MS = 4000; // the first reconnect lands 1–5 s after the close
  const SESSION_ENDED = 4401; // the server closes a socket whose session has ended (notifications/consumers.py)
  const SEEN_MAX = 500;

  const state = {
    socket: null,
    timer: null,
    attempt: 0,
    running: false,
    user: null,
    lastSeenId: 0,
    seen: new Set(),
    unread: null,
    unreadAt: 0, // when the socket last told us the unread count
    visitAt: 0, // when the current Turbo visit or form submission started
    refreshTimer: null,
  };

  // --- lastSeenId in sessionStorage (per tab, per user) -------------------------------------------

  function storageKey(user) {
    return "lianban.notifications.lastSeenId." + user;
  }

  function readStoredId(user) {
    try {
      const value = parseInt(window.sessionStorage.getItem(storageKey(user)), 10);
      return Number.isInteger(value) && value >= 0 ? value : null;
    } catch (error) {
      return null; // storage disabled
    }
  }

  function storeId(user, id) {
    try {
      window.sessionStorage.setItem(storageKey(user), String(id));
    } catch (error) {
      /* storage disabled or full: the in-memory value still works for this page */
    }
  }

  function markSeen(id) {
    state.seen.add(id);
    if (state.seen.size > SEEN_MAX) {
      state.seen.delete(state.seen.values().next().value);
    }
    if (id > state.lastSeenId) {
      state.lastSeenId = id;
      storeId(state.user, id);
    }
  }

  // --- badge ---------------------------------------------------------------------------------------

  function badgeElement() {
    return document.getElementById(BADGE_ID);
  }

  function renderBadge(count) {
    const badge = badgeElement();
    if (!badge) {
      return;
    }
    badge.dataset.unreadCount = String(count);
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.hidden = count <= 0;
    const link = badge.closest("a");
    if (link) {
      link.setAttribute("aria-label", "通知，未读 " + (count > 99 ? "99+" : String(count)) + " 条");
    }
  }

  function setUnread(count) {
    state.unread = count;
    state.unreadAt = Date.now();
    renderBadge(count);
  }

  // --- toasts --------------------------------------------------------------------------------------

  function isLocalPath(url) {
    return typeof url === "string" && /^\/(?![/\\])/.test(url);
  }

  function toastContainer() {
    let container = document.getElementById(TOASTS_ID);
    if (!container) {
      container = document.createElement("div");
      container.id = TOASTS_ID;
      document.body.appendChild(container);
    }
    return container;
  }

  function showToast(notification) {
    const card = document.createElement("div");
    card.className = "lb-toast";
    card.setAttribute("role", "status");
    card.setAttribute("aria-live", "polite");
    card.dataset.notificationId = String(notification.id);

    const title = document.createElement("p");
    title.className = "lb-toast__title";
    title.textContent = notification.title || "新通知";
    card.appendChild(title);

    if (notification.body) {
      const body = document.createElement("p");
      body.className = "lb-toast__body";
      body.textContent = notification.body;
      card.appendChild(body);
    }

    if (isLocalPath(notification.url)) {
      const link = document.createElement("a");
      link.className = "lb-toast__link";
      link.href = notification.url;
      link.textContent = "查看";
      card.appendChild(link);
    }

    const close = document.createElement("button");
    close.type = "button";
    close.className = "lb-toast__close";
    close.setAttribute("aria-label", "关闭");
    close.textContent = "×";
    card.appendChild(close);

    let timer = null;
    const dismiss = () => {
      clearTimeout(timer);
      card.remove();
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(dismiss, TOAST_MS);
    };
    close.addEventListener("click", dismiss);
    card.addEventListener("click", (event) => {
      if (event.target.closest("a")) {
        dismiss();
      }
    });
    // Hovering or focusing a toast holds it open; leaving restarts the 8 s.
    card.addEventListener("mouseenter", () => clearTimeout(timer));
    card.addEventListener("mouseleave", arm);
    card.addEventListener("focusin", () => clearTimeout(timer));
    card.addEventListener("focusout", arm);

    toastContainer().appendChild(card);
    arm();
  }

  // --- pages that follow the news refresh themselves -------------------------------------------------
  // The notification list (page 1), lists marked data-lb-live-list, and a page marked data-lb-live-page
  // when the notification links to it. Never while the user is typing into one of its fields.

  function shouldRefresh(notification) {
    const list = document.querySelector("[data-lb-notification-list]");
    if (list) {
      return list.dataset.page === "1";
    }
    if (document.querySelector("[data-lb-live-list]")) {
      return true;
    }
    const page = document.querySelector("[data-lb-live-page]");
    return Boolean(page && notification.url && new URL(notification.url, window.location.href).pathname === window.location.pathname);
  }

  function refreshSoon(notification) {
    const active = document.activeElement;
    const typing = active && ["INPUT", "TEXTAREA", "SELECT"].includes(active.tagName);
    if (!window.Turbo || typing || !shouldRefresh(notification)) {
      return;
    }
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(() => {
      window.Turbo.visit(window.location.href, { action: "replace" });
    }, 400);
  }

  // --- messages ------------------------------------------------------------------------------------

  function handleMessage(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch (error) {
      return;
    }
    if (!message || typeof message !== "object") {
      return;
    }
    if (Number.isInteger(message.unread) && message.unread >= 0) {
      setUnread(message.unread);
    }
    if (message.type !== "notification" || !message.notification) {
      return;
    }
    const notification = message.notification;
    const id = Number(notification.id);
    if (!Number.isInteger(id) || state.seen.has(id)) {
      return; // duplicate (replay and live overlap) or malformed
    }
    // Every id this tab has not seen is news: replayed ones were missed while disconnected, and an id
    // below lastSeenId can still arrive live when its transaction committed after a later one.
    markSeen(id);
    showToast(notification);
    refreshSoon(notification);
    document.dispatchEvent(new CustomEvent("lianban:notification", { detail: notification }));
  }

  // --- the socket ----------------------------------------------------------------------------------

  function socketUrl() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + window.location.host + "/ws/notifications/?since=" + state.lastSeenId;
  }

  function connect() {
    state.timer = null;
    if (!state.running || state.socket) {
      return;
    }
    if (navigator.onLine === false) {
      return; // no futile attempts while offline: the `online` event reconnects at once
    }
    let socket;
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    state.socket = socket;
    socket.addEventListener("open", () => {
      state.attempt = 0;
    });
    socket.addEventListener("message", (event) => handleMessage(event.data));
    socket.addEventListener("close", (event) => {
      if (state.socket === socket) {
        state.socket = null;
        if (event.code === SESSION_ENDED) {
          return; // signed out or timed out: the next page asks for the login, retrying would not help
        }
        scheduleReconnect();
      }
    });
  }

  function scheduleReconnect() {
    if (!state.running || state.timer) {
      return;
    }
    // Exponential backoff with full jitter above a 1 s floor: 1–5 s, then 1–9 s, 1–17 s … (at most 31 s).
    // The first retry is spread too: when a server drops all its sockets at once, a thousand tabs
    // come back over four seconds instead of all at the same instant (each handshake reads the
    // database, and the server must finish them within its 5 s handshake timeout).
    const spread = Math.min(MAX_DELAY_MS, FIRST_SPREAD_MS * Math.pow(2, state.attempt));
    const delay = MIN_DELAY_MS + Math.random() * spread;
    state.attempt += 1;
    state.timer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (state.running && !state.socket) {
      clearTimeout(state.timer);
      state.timer = null;
      state.attempt = 0;
      connect();
    }
  }

  function stop() {
    state.running = false;
    clearTimeout(state.timer);
    state.timer = null;
    const socket = state.socket;
    state.socket = null;
    if (socket) {
      socket.close(1000);
    }
    state.user = null;
    state.unread = null;
    state.seen.clear();
  }

  // --- page life cycle -----------------------------------------------------------------------------

  function start() {
    const badge = badgeElement();
    if (!badge) {
      stop(); // signed out (no badge): never keep a socket opened for the previous session
      return;
    }
    const user = badge.dataset.user || "";
    if (state.running && state.user !== user) {
      stop(); // another user signed in within this tab
    }
    // The server just rendered this badge; the socket's count wins only if it spoke after the visit began.
    if (state.unread !== null && state.unreadAt > state.visitAt) {
      renderBadge(state.unread);
    } else {
      const rendered = parseInt(badge.dataset.unreadCount, 10);
      state.unread = Number.isInteger(rendered) && rendered >= 0 ? rendered : 0;
      renderBadge(state.unread);
    }
    if (state.running) {
      return;
    }
    state.running = true;
    state.user = user;
    state.attempt = 0;
    const stored = readStoredId(user);
    const rendered = parseInt(badge.dataset.lastId, 10);
    state.lastSeenId = stored !== null ? stored : Number.isInteger(rendered) && rendered >= 0 ? rendered : 0;
    storeId(user, state.lastSeenId);
    connect();
  }

  function markVisit() {
    state.visitAt = Date.now();
    clearTimeout(state.refreshTimer); // the user is going elsewhere: a pending self-refresh would pull them back
  }

  function keepToastsAcrossRender(event) {
    const container = document.getElementById(TOASTS_ID);
    const newBody = event.detail && event.detail.newBody;
    if (container && newBody && !newBody.querySelector("#" + TOASTS_ID)) {
      newBody.appendChild(container);
    }
  }

  window.lianbanNotifications = { state: state, start: start, stop: stop };

  document.addEventListener("turbo:visit", markVisit);
  document.addEventListener("turbo:submit-start", markVisit);
  document.addEventListener("turbo:before-render", keepToastsAcrossRender);
  document.addEventListener("turbo:load", start);
  window.addEventListener("online", reconnectNow);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

/**
 * The Chat view's markup (inside <body>, before its script): used by the webview the extension creates and
 * by the render tests. Static: no model text in it.
 *
 * Layout (panel.css, `.chat`): one compact header row (the problem, then icon buttons with tooltips), the
 * conversation, which alone scrolls and holds the intro line and the starters too, and a composer of one
 * line that grows as the message does. Nothing is fixed over the conversation, so nothing is drawn over it.
 */
// No <form>: a page whose script did not load would submit it and go blank, taking the typed text along.
// The icons are drawn here (16x16, the theme's colour): the views load no icon font under their CSP.
const icon = (path: string): string => `<svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">${path}</svg>`;
const PIN = icon('<path d="M5 1.5h6v1l-1 1v3.8l2 2V10.5H8.6V15h-1.2v-4.5H4V9.3l2-2V3.5l-1-1z" fill="currentColor"/>');
const NEW = icon('<path d="M7.4 2.5h1.2v4.9h4.9v1.2H8.6v4.9H7.4V8.6H2.5V7.4h4.9z" fill="currentColor"/>');
const STOP = icon('<rect x="4" y="4" width="8" height="8" rx="1" fill="currentColor"/>');
const RETRY = icon('<path d="M12.9 8.6A5 5 0 1 1 11.4 4.3" fill="none" stroke="currentColor" stroke-width="1.3"/><path d="M12.3 1.8v3.6H8.7" fill="none" stroke="currentColor" stroke-width="1.3"/>');
const SEND = icon('<path d="M1.8 2.2 14.5 8 1.8 13.8 3.6 8.6H9V7.4H3.6z" fill="currentColor"/>');

export const CHAT_BODY = `<div class="chat">
<header class="chat-header">
  <div id="problem" class="problem" role="heading" aria-level="2" aria-live="polite"></div>
  <div class="toolbar" role="toolbar" aria-label="Chat actions">
    <button id="pin" class="icon" aria-pressed="false" aria-label="Pin" title="Pin: keep chatting about this problem when the cursor moves">${PIN}</button>
    <button id="new" class="icon" aria-label="New conversation" title="New conversation about this problem">${NEW}</button>
    <button id="stop" class="icon" aria-label="Stop" title="Stop the reply (Escape)">${STOP}</button>
    <button id="retry" class="icon" aria-label="Retry" title="Retry: ask the last message again">${RETRY}</button>
  </div>
</header>
<div id="conversation" class="conversation">
  <p class="note">QED-Nano is a proof model: it discusses this problem and its proof only.</p>
  <p id="notice" class="notice" hidden></p>
  <ol id="turns" class="turns" aria-label="Conversation"></ol>
  <div id="starters" class="starters" aria-label="Ways to start"></div>
  <div id="message" class="message" role="status"></div>
</div>
<div id="composer" class="composer" role="group" aria-label="Message">
  <label for="input" class="visually-hidden">Message to QED-Nano</label>
  <textarea id="input" rows="1" placeholder="Ask about this problem" title="Enter sends, Shift+Enter starts a new line, Escape stops the reply" aria-describedby="message"></textarea>
  <button id="send" type="button" class="icon" aria-label="Send" title="Send (Enter)">${SEND}</button>
</div>
</div>`;

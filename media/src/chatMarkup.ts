/**
 * The Chat view's markup (inside <body>, before its script): used by the webview the extension creates and
 * by the render tests. Static: no model text in it.
 */
// No <form>: a page whose script did not load would submit it and go blank, taking the typed text along.
export const CHAT_BODY = `<header class="chat-header">
  <div id="problem" class="problem" role="heading" aria-level="2" aria-live="polite"></div>
  <div class="toolbar" role="toolbar" aria-label="Chat actions">
    <button id="pin" class="secondary" aria-pressed="false" title="Keep chatting about this problem when the cursor moves">Pin</button>
    <button id="new" class="secondary" title="Start a new conversation about this problem">New conversation</button>
    <button id="stop" title="Stop the reply (Escape)">Stop</button>
    <button id="retry" class="secondary" title="Ask the last message again">Retry</button>
  </div>
  <p class="note">QED-Nano is a proof model: it discusses this problem and its proof only.</p>
  <p id="notice" class="notice" hidden></p>
</header>
<ol id="turns" class="turns" aria-label="Conversation"></ol>
<div id="starters" class="starters" aria-label="Ways to start"></div>
<div id="message" class="message" role="status"></div>
<div id="composer" class="composer" role="group" aria-label="Message">
  <label for="input" class="visually-hidden">Message to QED-Nano</label>
  <textarea id="input" rows="3" placeholder="Ask about this problem (Enter sends, Shift+Enter is a new line, Escape stops)" aria-describedby="message"></textarea>
  <button id="send" type="button">Send</button>
</div>`;

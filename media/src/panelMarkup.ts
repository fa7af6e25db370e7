/**
 * The proof panel's markup (inside <body>, before its script): one copy, used by the webview the extension
 * creates (client/src/proofPanel.ts) and by the render tests in Chromium. Static: no model text in it.
 */
export const PANEL_BODY = `<div class="toolbar" role="toolbar" aria-label="Proof actions">
  <button id="stop" title="Stop the model (the text so far stays)">Stop</button>
  <button id="retry" class="secondary" title="Prove the same statement again">Retry</button>
  <button id="continue" hidden title="Summarise the unfinished thinking and solve again from the summary">Continue</button>
  <button id="insert" title="Insert the proof after its statement (one undoable edit)">Insert into document</button>
  <button id="discard" class="secondary" hidden title="Drop this refinement">Discard</button>
  <button id="copy" class="secondary" title="Copy the proof as Insert would write it (LaTeX in a .tex file)">Copy</button>
  <label id="mode-label" title="How Retry proves: one pass; Deep: generate, verify and refine (slower, often better); Reasoning cache: solve, summarise the thinking, solve again from the summary">Mode <select id="mode">
    <option value="single">Single pass</option>
    <option value="deep">Deep</option>
    <option value="rc">Reasoning cache</option>
  </select></label>
</div>
<h2 id="statement-heading">Statement</h2>
<div id="statement"></div>
<div id="summaries" hidden></div>
<details id="thinking"><summary id="thinking-summary">Thinking</summary><pre id="thinking-text"></pre></details>
<h2 id="proof-heading">Proof</h2>
<div id="proof" aria-live="polite"></div>
<ol id="candidates" class="candidates" aria-label="Deep mode candidates" hidden></ol>
<div id="objections" hidden></div>
<div id="message" class="message" role="status"></div>`;

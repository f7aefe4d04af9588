// The chat page served at `/`: one static HTML document with inline CSS and JS (no build step,
// no external resources). It lists models from /v1/models, streams replies from
// /v1/chat/completions (SSE read with fetch), and stops a reply by aborting the request, which
// the server sees as a disconnect and cancels. The API key, if any, stays in localStorage.
export const CHAT_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>llmts chat</title>
<style>
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; }
  body { margin: 0; display: flex; height: 100vh; }
  aside { width: 16rem; padding: 1rem; border-right: 1px solid #8884; overflow-y: auto; }
  aside label { display: block; margin: 0.6rem 0 0.2rem; font-size: 0.85rem; }
  aside input, aside select, aside textarea { width: 100%; box-sizing: border-box; }
  main { flex: 1; display: flex; flex-direction: column; min-width: 0; }
  #messages { flex: 1; overflow-y: auto; padding: 1rem; }
  .msg { white-space: pre-wrap; margin: 0.5rem 0; padding: 0.5rem 0.75rem; border-radius: 0.5rem; max-width: 48rem; }
  .user { background: #4a90e233; margin-left: auto; }
  .assistant { background: #8882; }
  .error { background: #e2504a33; }
  form { display: flex; gap: 0.5rem; padding: 1rem; border-top: 1px solid #8884; }
  #input { flex: 1; resize: vertical; min-height: 2.5rem; }
  #status { font-size: 0.8rem; opacity: 0.7; padding: 0 1rem 0.5rem; }
</style>
</head>
<body>
<aside>
  <h3>llmts</h3>
  <label for="model">Model</label><select id="model"></select>
  <label for="system">System prompt</label><textarea id="system" rows="3"></textarea>
  <label for="temperature">Temperature</label><input id="temperature" type="number" min="0" max="2" step="0.05" value="0.8">
  <label for="top_p">Top-p</label><input id="top_p" type="number" min="0.01" max="1" step="0.01" value="0.95">
  <label for="top_k">Top-k</label><input id="top_k" type="number" min="0" step="1" value="40">
  <label for="max_tokens">Max tokens</label><input id="max_tokens" type="number" min="1" step="1" value="256">
  <label for="apikey">API key</label><input id="apikey" type="password" autocomplete="off">
  <p><button id="clear" type="button">New chat</button></p>
</aside>
<main>
  <div id="messages"></div>
  <div id="status"></div>
  <form id="form">
    <textarea id="input" placeholder="Message" rows="2"></textarea>
    <button id="send" type="submit">Send</button>
    <button id="stop" type="button" disabled>Stop</button>
  </form>
</main>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const history = [];
  let controller = null;
  const key = $('apikey');
  key.value = localStorage.getItem('llmts-api-key') || '';
  key.addEventListener('change', () => { localStorage.setItem('llmts-api-key', key.value); loadModels(); });
  const headers = () => {
    const h = { 'Content-Type': 'application/json' };
    if (key.value) h.Authorization = 'Bearer ' + key.value;
    return h;
  };
  const status = (t) => { $('status').textContent = t; };
  function bubble(role, text) {
    const d = document.createElement('div');
    d.className = 'msg ' + role;
    d.textContent = text;
    $('messages').appendChild(d);
    d.scrollIntoView({ block: 'end' });
    return d;
  }
  async function loadModels() {
    try {
      const r = await fetch('/v1/models', { headers: headers() });
      const j = await r.json();
      if (!r.ok) throw new Error(j.error ? j.error.message : r.statusText);
      const sel = $('model');
      sel.textContent = '';
      for (const m of j.data) {
        const o = document.createElement('option');
        o.value = o.textContent = m.id;
        sel.appendChild(o);
      }
      status(j.data.length ? 'ready' : 'no models loaded yet');
    } catch (e) { status('cannot list models: ' + e.message); }
  }
  function num(id) { const v = Number($(id).value); return Number.isFinite(v) ? v : undefined; }
  async function send(text) {
    history.push({ role: 'user', content: text });
    bubble('user', text);
    const out = bubble('assistant', '');
    const messages = ($('system').value ? [{ role: 'system', content: $('system').value }] : []).concat(history);
    const body = { model: $('model').value, messages, stream: true, temperature: num('temperature'),
      top_p: num('top_p'), top_k: num('top_k'), max_tokens: num('max_tokens') };
    controller = new AbortController();
    $('send').disabled = true; $('stop').disabled = false; status('generating…');
    let reply = '';
    try {
      const r = await fetch('/v1/chat/completions', { method: 'POST', headers: headers(), body: JSON.stringify(body), signal: controller.signal });
      if (!r.ok) { const j = await r.json().catch(() => ({})); throw new Error(j.error ? j.error.message : r.statusText); }
      const reader = r.body.getReader();
      const dec = new TextDecoder();
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let at;
        while ((at = buf.indexOf('\\n\\n')) >= 0) {
          const event = buf.slice(0, at); buf = buf.slice(at + 2);
          for (const line of event.split('\\n')) {
            if (!line.startsWith('data: ')) continue;
            const data = line.slice(6);
            if (data === '[DONE]') continue;
            const j = JSON.parse(data);
            if (j.error) throw new Error(j.error.message);
            const c = j.choices && j.choices[0];
            if (c && c.delta && c.delta.content) { reply += c.delta.content; out.textContent = reply; }
          }
        }
      }
      status('done');
    } catch (e) {
      if (e.name === 'AbortError') status('stopped');
      else { out.classList.add('error'); out.textContent = reply + (reply ? '\\n' : '') + 'Error: ' + e.message; status('error'); }
    } finally {
      history.push({ role: 'assistant', content: reply });
      controller = null;
      $('send').disabled = false; $('stop').disabled = true;
    }
  }
  $('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const text = $('input').value.trim();
    if (!text || controller) return;
    $('input').value = '';
    send(text);
  });
  $('input').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); $('form').requestSubmit(); }
  });
  $('stop').addEventListener('click', () => { if (controller) controller.abort(); });
  $('clear').addEventListener('click', () => { history.length = 0; $('messages').textContent = ''; });
  loadModels();
})();
</script>
</body>
</html>
`;

// Reads server-sent events with fetch rather than EventSource, so the same
// credentials as every other call go along (EventSource cannot send an
// Authorization header).
import { ApiError, headers } from './api';

export type StreamHandle = { close(): void };

export function openEvents(path: string, onEvent: (data: any) => void, onError: (e: unknown) => void): StreamHandle {
  const abort = new AbortController();
  (async () => {
    const res = await fetch(path, { headers: headers('GET', false), credentials: 'same-origin', signal: abort.signal });
    if (!res.ok || !res.body) {
      let msg = `HTTP ${res.status}`;
      try {
        const body = await res.json();
        msg = body.error || body.err || msg;
      } catch {}
      throw new ApiError(msg, res.status);
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trimStart())
          .join('\n');
        if (data) onEvent(JSON.parse(data));
      }
    }
  })().catch((e) => {
    if (!abort.signal.aborted) onError(e);
  });
  return { close: () => abort.abort() };
}

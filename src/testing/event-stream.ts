/** Reads the control plane's event stream (`GET /_dingread/v1/events`) frame by frame: one parser for the CLI and the tests. */
import { createParser } from 'eventsource-parser';

/** One event: its name (`ready`, `sent`, `read`, `opened`, `recalled`), its JSON text, and its id. */
export interface EventFrame {
  event: string | undefined;
  data: string;
  id: string | undefined;
}

/**
 * The frames of a `text/event-stream` body as they arrive, for `fetch(…).body`. Frames split
 * across chunks, characters split across chunks, comments (the server's heartbeat) and `retry`
 * lines are the parser's business (eventsource-parser, which follows the HTML standard). Ends when
 * the body ends; a body that fails throws its error.
 */
export async function* readEventStream(body: AsyncIterable<Uint8Array>): AsyncGenerator<EventFrame> {
  const frames: EventFrame[] = [];
  const parser = createParser({ onEvent: ({ event, data, id }) => void frames.push({ event, data, id }) });
  const decoder = new TextDecoder();
  for await (const chunk of body) {
    parser.feed(decoder.decode(chunk, { stream: true }));
    yield* frames.splice(0);
  }
}

/**
 * TextEncoder and TextDecoder for the inside of a plugin isolate, which has neither (they are not
 * V8's). Everything a provider SDK reads goes through the decoder: a server-sent event stream is
 * decoded chunk by chunk (the Anthropic SDK) or line by line (the OpenAI SDK), thousands of times
 * a stream, so both keep off the slow paths: the host sends text bodies already decoded, ASCII
 * takes native string building, and only multi-byte text is decoded here byte by byte.
 *
 * Evaluated inside the prelude's closure, before web-platform.ts and web-fetch.ts (which fills
 * `hostDecoded` as response chunks arrive).
 */
export const TEXT_CODEC = `
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(input = "") {
      const text = String(input);
      // Most of what crosses is ASCII (JSON, SSE): one byte per character, no arrays to grow.
      const ascii = new Uint8Array(text.length);
      let i = 0;
      for (; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (code >= 0x80) break;
        ascii[i] = code;
      }
      if (i === text.length) return ascii;
      const out = [];
      for (let i = 0; i < text.length; i++) {
        let code = text.codePointAt(i);
        if (code > 0xffff) i++;
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd;
        if (code < 0x80) out.push(code);
        else if (code < 0x800) out.push(0xc0 | (code >> 6), 0x80 | (code & 63));
        else if (code < 0x10000) out.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
        else out.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 63), 0x80 | ((code >> 6) & 63), 0x80 | (code & 63));
      }
      return new Uint8Array(out);
    }
  }

  // Response-body chunks the host has already decoded (valid, complete UTF-8), keyed by the very
  // bytes the isolate was given: an SDK decodes every chunk of a stream, and the host's native
  // decoder does in microseconds what the loop below takes milliseconds for.
  const hostDecoded = new WeakMap();

  const HIGH_BYTE = /[\\x80-\\xff]/;
  const NO_PENDING = [];

  class TextDecoder {
    constructor() { this._pending = NO_PENDING; }
    get encoding() { return "utf-8"; }
    // Kept lean: an SDK may call this for every line of a stream (the OpenAI SDK does, twice an
    // event), so nothing here allocates that need not.
    decode(input, options) {
      const pending = this._pending;
      if (pending.length === 0 && input !== undefined) {
        const known = hostDecoded.get(input);
        if (known !== undefined) return known;
      }
      const fresh = input === undefined ? new Uint8Array(0)
        : input instanceof Uint8Array ? input
        : ArrayBuffer.isView(input) ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
        : new Uint8Array(input);
      // With { stream: true } a character split across chunks waits for its last bytes.
      let bytes = fresh;
      if (pending.length) {
        bytes = Uint8Array.from([...pending, ...fresh]);
        this._pending = NO_PENDING;
      }
      let end = bytes.length;
      if (options !== undefined && options.stream && end > 0) {
        let back = 0;
        while (back < 3 && back < end && (bytes[end - 1 - back] & 0xc0) === 0x80) back++;
        const lead = bytes[end - 1 - back];
        const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
        if (back < end && need > back + 1) { this._pending = [...bytes.subarray(end - 1 - back)]; end -= back + 1; }
      }
      if (end === 0) return "";
      let out;
      let high;
      if (end <= 1024) {
        // A line of a stream: its bytes copied into a plain array (checked for ASCII on the way)
        // go through fromCharCode faster than the typed array itself does.
        const codes = new Array(end);
        high = 0;
        for (; high < end; high++) {
          const byte = bytes[high];
          if (byte >= 0x80) break;
          codes[high] = byte;
        }
        if (high === end) return String.fromCharCode.apply(null, codes);
        codes.length = high;
        out = String.fromCharCode.apply(null, codes);
      } else {
        // Decoded as Latin-1 natively, 8 KB at a time, the text is already right up to its first
        // byte >= 0x80 (found by a native regex, not a loop over bytes here); only multi-byte
        // text from there on takes the loop below.
        let latin = "";
        for (let at = 0; at < end; at += 8192) latin += String.fromCharCode.apply(null, bytes.subarray(at, Math.min(end, at + 8192)));
        high = latin.search(HIGH_BYTE);
        if (high === -1) return latin;
        out = latin.slice(0, high);
      }
      const start = high;
      let chunk = [];
      for (let i = start; i < end; ) {
        const byte = bytes[i];
        let code = 0xfffd;
        let size = 1;
        if (byte < 0x80) code = byte;
        else if (byte >= 0xc2 && byte < 0xe0 && i + 1 < end) { code = ((byte & 31) << 6) | (bytes[i + 1] & 63); size = 2; }
        else if (byte >= 0xe0 && byte < 0xf0 && i + 2 < end) { code = ((byte & 15) << 12) | ((bytes[i + 1] & 63) << 6) | (bytes[i + 2] & 63); size = 3; }
        else if (byte >= 0xf0 && byte < 0xf5 && i + 3 < end) { code = ((byte & 7) << 18) | ((bytes[i + 1] & 63) << 12) | ((bytes[i + 2] & 63) << 6) | (bytes[i + 3] & 63); size = 4; }
        chunk.push(code);
        i += size;
        if (chunk.length >= 8192) { out += String.fromCodePoint(...chunk); chunk = []; }
      }
      return out + String.fromCodePoint(...chunk);
    }
  }

  Object.assign(globalThis, { TextEncoder, TextDecoder });
`;

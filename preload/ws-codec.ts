/**
 * The WebSocket wire format of browser mode: one JSON text frame per message, with every
 * Uint8Array written as `{"$bytes": "<base64>"}` (JSON has no binary type; base64 costs a third
 * more bytes and keeps every frame self-describing). Runs in the browser and in Node alike.
 *
 * Client -> server: `{"id": 1, "method": "startJob", "arg": {...}}` (`arg` absent for no-argument methods).
 * Server -> client: `{"id": 1, "ok": true, "value": ...}` or `{"id": 1, "ok": false, "error": "..."}`,
 * and events as `{"event": {...}}` (see `appEventSchema`).
 */
import { z } from 'zod';

const BYTES_KEY = '$bytes';
/** Characters per String.fromCharCode call: well under every engine's argument-count limit. */
const CHUNK = 0x8000;

function isBytes(v: unknown): v is Uint8Array {
  return ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Uint8Array]';
}

/** Node's Buffer where there is one (the server): its base64 is hundreds of times faster than btoa there. */
interface NodeBufferLike {
  from(
    data: ArrayBufferLike,
    offset: number,
    length: number,
  ): { toString(encoding: 'base64'): string };
  from(text: string, encoding: 'base64'): Uint8Array;
}
const nodeBuffer = (globalThis as { Buffer?: NodeBufferLike }).Buffer;

export function toBase64(data: Uint8Array): string {
  if (nodeBuffer)
    return nodeBuffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
  return portableToBase64(data);
}

/** The browser's way (btoa); exported for the test that compares it with Node's. */
export function portableToBase64(data: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < data.length; i += CHUNK) {
    binary += String.fromCharCode(...data.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  if (nodeBuffer) {
    const b = nodeBuffer.from(text, 'base64');
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  return portableFromBase64(text);
}

export function portableFromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function encodeMessage(value: unknown): string {
  // The replacer sees a Buffer only after its toJSON ran; the holder still has the original.
  return JSON.stringify(value, function (this: Record<string, unknown>, key, v: unknown) {
    const raw = this[key];
    return isBytes(raw) ? { [BYTES_KEY]: toBase64(raw) } : v;
  });
}

/** Parses a frame; throws on malformed JSON or base64. */
export function decodeMessage(text: string): unknown {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const payload = (v as Record<string, unknown>)[BYTES_KEY];
      if (keys.length === 1 && typeof payload === 'string') return fromBase64(payload);
    }
    return v;
  });
}

export const requestFrameSchema = z
  .object({
    id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    method: z.string().min(1).max(64),
    arg: z.unknown().optional(),
  })
  .strict();
export type RequestFrame = z.infer<typeof requestFrameSchema>;

export const responseFrameSchema = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), value: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: z.string() }),
  z.object({ event: z.unknown() }),
]);
export type ResponseFrame = z.infer<typeof responseFrameSchema>;

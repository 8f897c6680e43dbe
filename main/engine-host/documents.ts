/**
 * The decoded source images the user has open, kept in the parent at full precision so that an
 * engine crash loses nothing. Opening beyond the memory cap is refused (never an eviction: a
 * document the user is working on must not disappear).
 */
import { randomUUID } from 'node:crypto';
import type { RgbImage } from '../engine/imaging/image.ts';

export interface StoredDocument {
  docId: string;
  name: string;
  image: RgbImage;
}

/** Float32 planes of a 12 MP RGB photo take 144 MB; 2 GiB holds about a dozen. */
export const DEFAULT_DOCUMENT_BYTES = 2 * 1024 ** 3;

function mb(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)} MB`;
}

export class DocumentStore {
  private readonly docs = new Map<string, StoredDocument>();
  private used = 0;

  constructor(private readonly maxBytes = DEFAULT_DOCUMENT_BYTES) {}

  add(name: string, image: RgbImage): StoredDocument {
    const size = image.data.byteLength;
    if (this.used + size > this.maxBytes) {
      throw new Error(
        `not enough room to open ${name} (${mb(size)}): ${this.docs.size} open document(s) use ` +
          `${mb(this.used)} of ${mb(this.maxBytes)}; close one and try again`,
      );
    }
    const doc = { docId: randomUUID(), name, image };
    this.docs.set(doc.docId, doc);
    this.used += size;
    return doc;
  }

  get(docId: string): StoredDocument {
    const doc = this.docs.get(docId);
    if (!doc) throw new Error(`no open document ${docId} (it was closed, or the app restarted)`);
    return doc;
  }

  /** false when there was no such document. */
  close(docId: string): boolean {
    const doc = this.docs.get(docId);
    if (!doc) return false;
    this.docs.delete(docId);
    this.used -= doc.image.data.byteLength;
    return true;
  }

  get bytesUsed(): number {
    return this.used;
  }

  get size(): number {
    return this.docs.size;
  }
}

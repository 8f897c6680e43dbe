/** Browser-side image helpers: display URLs for PNG bytes and decoding to pixels. */

export function pngUrl(png: Uint8Array): string {
  return URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
}

/** Decodes any browser-supported image to RGBA without colour management or premultiplication. */
export async function decodeToRgba(
  bytes: Uint8Array,
): Promise<{ rgba: Uint8ClampedArray; width: number; height: number }> {
  const bitmap = await createImageBitmap(new Blob([bytes as BlobPart]), {
    premultiplyAlpha: 'none',
    colorSpaceConversion: 'none',
  });
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this system cannot draw to a canvas');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return {
    rgba: ctx.getImageData(0, 0, canvas.width, canvas.height).data,
    width: canvas.width,
    height: canvas.height,
  };
}

export function loadImage(url: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the image could not be displayed'));
    img.src = url;
  });
}

export function baseName(name: string): string {
  return name.replace(/\.[^.]+$/, '');
}

/** A batch of images, NCHW, flattened row-major. shape[0] is the batch size. */
export interface Tensor {
  readonly data: Float32Array;
  readonly shape: readonly [number, number, number, number];
}

export function tensor(data: Float32Array, shape: Tensor['shape']): Tensor {
  const size = shape[0] * shape[1] * shape[2] * shape[3];
  if (data.length !== size) {
    throw new Error(
      `tensor data has ${data.length} values, shape [${shape.join(',')}] needs ${size}`,
    );
  }
  return { data, shape };
}

export function like(x: Tensor, data: Float32Array): Tensor {
  return tensor(data, x.shape);
}

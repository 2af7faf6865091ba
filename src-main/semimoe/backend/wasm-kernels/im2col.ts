/**
 * im2col for the filter gradient, written straight into the wasm heap.
 *
 * Source: the input in channel-major order [C, N, H, W] (one Transpose kernel call).
 * Destination: a [kh * kw * C, N * outH * outW] matrix whose row (i * kw + j) * C + c holds,
 * for every output pixel, the input value that filter tap (i, j) of channel c saw in the
 * forward pass (0 where the window hung over the padding). With unit stride each row is a
 * few long contiguous runs of the source, so it costs one `copyWithin` per image row instead
 * of the nine Slice kernel calls and a Concat that the composed version needed.
 */

export interface Im2colGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  inChannels: number;
  outHeight: number;
  outWidth: number;
  filterHeight: number;
  filterWidth: number;
  strideHeight: number;
  strideWidth: number;
  dilationHeight: number;
  dilationWidth: number;
  padTop: number;
  padLeft: number;
}

/** Number of floats `writeIm2col` writes. */
export function im2colSize(g: Im2colGeometry): number {
  return g.filterHeight * g.filterWidth * g.inChannels * g.batch * g.outHeight * g.outWidth;
}

/** First output column whose tap lands inside the input, and one past the last (clamped). */
function validColumns(shift: number, stride: number, inWidth: number, outWidth: number): [number, number] {
  // Column ox reads input column ox * stride + shift; it is inside when 0 <= that < inWidth.
  const first = Math.min(outWidth, Math.max(0, Math.ceil(-shift / stride)));
  const end = Math.min(outWidth, Math.max(first, Math.ceil((inWidth - shift) / stride)));
  return [first, end];
}

/**
 * Fills heap[dst .. dst + im2colSize(g)) from the channel-major input at heap[src ..].
 * Offsets are in floats. Source and destination must not overlap.
 */
export function writeIm2col(heap: Float32Array, src: number, dst: number, g: Im2colGeometry): void {
  const { batch, inHeight, inWidth, inChannels, outHeight, outWidth } = g;
  const plane = inHeight * inWidth;
  let row = dst;
  for (let i = 0; i < g.filterHeight; i++) {
    const rowShift = i * g.dilationHeight - g.padTop;
    for (let j = 0; j < g.filterWidth; j++) {
      const colShift = j * g.dilationWidth - g.padLeft;
      const [first, end] = validColumns(colShift, g.strideWidth, inWidth, outWidth);
      for (let c = 0; c < inChannels; c++) {
        for (let n = 0; n < batch; n++) {
          const image = src + (c * batch + n) * plane;
          for (let oy = 0; oy < outHeight; oy++, row += outWidth) {
            const y = oy * g.strideHeight + rowShift;
            if (y < 0 || y >= inHeight || first === end) {
              heap.fill(0, row, row + outWidth);
              continue;
            }
            const line = image + y * inWidth + colShift;
            for (let ox = 0; ox < first; ox++) heap[row + ox] = 0;
            if (g.strideWidth === 1) {
              heap.copyWithin(row + first, line + first, line + end);
            } else {
              for (let ox = first; ox < end; ox++) heap[row + ox] = heap[line + ox * g.strideWidth];
            }
            for (let ox = end; ox < outWidth; ox++) heap[row + ox] = 0;
          }
        }
      }
    }
  }
}

/**
 * Line numbers as a person sees them in an editor: a line ends at CR LF, at LF, or at a lone CR
 * (old Mac files). csv-parse reports offsets in UTF-8 bytes, so the lines are found in the bytes.
 */
export class LineNumbers {
  /** The byte offset where each line starts: line n starts at starts[n - 1]. */
  private readonly starts: number[] = [0];

  constructor(bytes: Buffer) {
    for (let i = 0; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === 0x0d && bytes[i + 1] === 0x0a) i++;
      if (byte === 0x0d || byte === 0x0a) this.starts.push(i + 1);
    }
  }

  /** The line that holds the byte at this offset. */
  lineAt(offset: number): number {
    let [low, high] = [0, this.starts.length - 1];
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  }
}

/**
 * Whether the data rows of a cache CSV (`text` from `start`, the first data row) are in strictly
 * ascending time order, judged from the text alone: every row's first field must have the first row's
 * skeleton (same length, same non-digit characters at the same places, e.g. `YYYY-MM-DD HH:MM:SS`), and
 * then text order is time order. False when unsure (a quoted row, a different format): the caller then
 * parses everything and sorts. Allocates nothing, so a reader can decide to stream a file before parsing it.
 */
export function rowsAscending(text: string, start: number): boolean {
  let previous = -1; // where the previous row starts
  let width = -1;
  for (let pos = start; pos < text.length;) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    if (end === pos || (end === pos + 1 && text.charCodeAt(pos) === 13)) {
      pos = end + 1; // an empty line
      continue;
    }
    const comma = text.indexOf(',', pos);
    if (comma === -1 || comma > end || text.charCodeAt(pos) === 34) return false;
    if (previous === -1) width = comma - pos;
    else if (comma - pos !== width || !after(text, previous, pos, width)) return false;
    previous = pos;
    pos = end + 1;
  }
  return true;
}

/** Whether the field at `b` is later than the one at `a`, both `width` long and of the same skeleton. */
function after(text: string, a: number, b: number, width: number): boolean {
  let order = 0; // decided by the first differing digit
  for (let i = 0; i < width; i++) {
    const ca = text.charCodeAt(a + i);
    const cb = text.charCodeAt(b + i);
    const digit = ca >= 48 && ca <= 57;
    if (digit !== (cb >= 48 && cb <= 57) || (!digit && ca !== cb)) return false;
    if (order === 0) order = cb - ca;
  }
  return order > 0;
}

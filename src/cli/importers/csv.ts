import { CuratorError } from '../../ml/errors.ts';

/**
 * Parses CSV text (RFC 4180: comma-separated, fields in double quotes may hold commas, quotes
 * written twice and line breaks; CRLF or LF) into rows of fields. A stray quote inside an
 * unquoted field or an unclosed quote is an error naming the line.
 *
 * @example parseCsv('text,label\n"Hi, you",ham\n') // [['text','label'], ['Hi, you','ham']]
 */
export function parseCsv(source: string, file = 'input'): string[][] {
  const text = source.charCodeAt(0) === 0xfeff ? source.slice(1) : source; // a byte-order mark is not data
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  let line = 1;
  let quoteLine = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"') {
      if (field !== '' || wasQuoted) throw new CuratorError('INVALID_ARGUMENT', `${file}:${line}: a quote inside an unquoted field (quote the whole field and write quotes twice)`, { field: 'file' });
      quoted = true;
      wasQuoted = true;
      quoteLine = line;
    } else if (c === ',') {
      row.push(field);
      field = '';
      wasQuoted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      wasQuoted = false;
      line++;
    } else {
      if (wasQuoted) throw new CuratorError('INVALID_ARGUMENT', `${file}:${line}: text after a closing quote`, { field: 'file' });
      field += c;
    }
  }
  if (quoted) throw new CuratorError('INVALID_ARGUMENT', `${file}:${quoteLine}: a quoted field is never closed`, { field: 'file' });
  if (field !== '' || wasQuoted || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  // blank lines carry no record
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

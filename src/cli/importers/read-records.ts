import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join, relative } from 'node:path';
import { CuratorError } from '../../ml/errors.ts';
import { parseCsv } from './csv.ts';

/** One document to import: its text, and its label when the source gives one. */
export interface ImportRecord {
  readonly text: string;
  readonly label: string | null;
  readonly externalId: string | null;
  /** Where it came from, for error messages: `file:line` or a path. */
  readonly origin: string;
}

/** How records are read from a source. */
export interface ReadOptions {
  readonly format?: 'csv' | 'jsonl' | 'folder';
  /** Column (CSV) or key (JSONL) of the text; default 'text'. */
  readonly textColumn?: string;
  /** Column or key of the label; default 'label'. Missing or empty: the document is imported unlabelled. */
  readonly labelColumn?: string;
  /** Column or key of an external id (optional; unique per task). */
  readonly idColumn?: string;
}

const bad = (message: string, field = 'file'): CuratorError => new CuratorError('INVALID_ARGUMENT', message, { field });

/** Picks the format from the path: a directory is a folder of text files, `.jsonl`/`.ndjson` JSON lines, `.csv` CSV. */
export function detectFormat(path: string): 'csv' | 'jsonl' | 'folder' {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new CuratorError('NOT_FOUND', `no such file or folder: ${path}`, { field: 'path' });
  }
  if (isDir) return 'folder';
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  throw bad(`cannot tell the format of ${path} from its extension; pass --format csv|jsonl|folder`, 'format');
}

/**
 * Reads every record of a CSV file (header row names the columns), a JSON-lines file (one object
 * per line) or a folder whose sub-folders name the labels (`<dir>/<label>/*.txt`; files directly
 * in `<dir>` are unlabelled). Everything is checked before anything is returned.
 */
export function readRecords(path: string, options: ReadOptions = {}): ImportRecord[] {
  const format = options.format ?? detectFormat(path);
  if (format !== 'folder') {
    try {
      if (!statSync(path).isFile()) throw bad(`${path} is not a file (a folder needs --format folder)`, 'path');
    } catch (e) {
      if (e instanceof CuratorError) throw e;
      throw new CuratorError('NOT_FOUND', `no such file: ${path}`, { field: 'path' });
    }
  }
  const textKey = options.textColumn ?? 'text';
  const labelKey = options.labelColumn ?? 'label';
  const idKey = options.idColumn;
  if (format === 'csv') return fromCsv(path, textKey, labelKey, idKey);
  if (format === 'jsonl') return fromJsonl(path, textKey, labelKey, idKey);
  if (format === 'folder') return fromFolder(path);
  throw bad(`--format must be csv, jsonl or folder; got ${JSON.stringify(format)}`, 'format');
}

function fromCsv(path: string, textKey: string, labelKey: string, idKey: string | undefined): ImportRecord[] {
  const rows = parseCsv(readFileSync(path, 'utf8'), basename(path));
  const head = rows[0];
  if (head === undefined) throw bad(`${path} is empty; it needs a header row naming the columns`);
  const col = (name: string, option: string, required: boolean): number => {
    const i = head.indexOf(name);
    if (i < 0 && required) throw bad(`${path}: no column '${name}' in the header (${head.join(', ')}); choose one with ${option}`, option.slice(2));
    return i;
  };
  const ti = col(textKey, '--text-column', true);
  const li = col(labelKey, '--label-column', false);
  const ii = idKey === undefined ? -1 : col(idKey, '--id-column', true);
  return rows.slice(1).map((r, k) => {
    const origin = `${basename(path)} row ${k + 2}`;
    if (r.length !== head.length) throw bad(`${origin}: ${r.length} fields, but the header has ${head.length}`);
    return record(r[ti]!, li < 0 ? '' : r[li]!, ii < 0 ? '' : r[ii]!, origin);
  });
}

function fromJsonl(path: string, textKey: string, labelKey: string, idKey: string | undefined): ImportRecord[] {
  const out: ImportRecord[] = [];
  readFileSync(path, 'utf8').split(/\r?\n/).forEach((line, k) => {
    if (line.trim() === '') return;
    const origin = `${basename(path)}:${k + 1}`;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw bad(`${origin}: not JSON (${(e as Error).message})`);
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw bad(`${origin}: each line must be a JSON object`);
    const obj = o as Record<string, unknown>;
    const text = obj[textKey];
    if (typeof text !== 'string') throw bad(`${origin}: '${textKey}' must be a string; got ${JSON.stringify(text) ?? 'nothing'} (choose the key with --text-column)`, 'text-column');
    const label = obj[labelKey];
    if (label !== undefined && label !== null && typeof label !== 'string') throw bad(`${origin}: '${labelKey}' must be a string or absent; got ${JSON.stringify(label)}`, 'label-column');
    const id = idKey === undefined ? undefined : obj[idKey];
    if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') throw bad(`${origin}: '${idKey}' must be a string or number`, 'id-column');
    out.push(record(text, label ?? '', id === undefined || id === null ? '' : String(id), origin));
  });
  return out;
}

function fromFolder(dir: string): ImportRecord[] {
  const out: ImportRecord[] = [];
  const walk = (folder: string, label: string | null): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const full = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (label !== null) throw bad(`${relative(dir, full)}: folders go one level deep (<dir>/<label>/<file>)`);
        walk(full, entry.name);
      } else if (entry.isFile()) {
        const rel = relative(dir, full);
        out.push(record(readFileSync(full, 'utf8'), label ?? '', rel, rel));
      }
    }
  };
  walk(dir, null);
  return out;
}

function record(text: string, label: string, externalId: string, origin: string): ImportRecord {
  if (text.trim() === '') throw bad(`${origin}: the text is empty`, 'text');
  return { text, label: label.trim() === '' ? null : label.trim(), externalId: externalId === '' ? null : externalId, origin };
}

/**
 * A small EDN reader, enough for Jepsen's histories: nil, booleans, integers (as numbers, or
 * bigints beyond 2^53), floats, strings, characters, keywords, symbols, vectors, lists, maps
 * and sets; commas are whitespace; `#_` discards the next form; other tagged literals
 * (`#inst "..."`) read as their value.
 *
 * Representation: a keyword reads as a {@link Keyword}; a vector or list as an array; a map as a
 * `Map` (keys may be any value); a set as a `Set`; a symbol as a {@link EdnSymbol}.
 */

/** An EDN keyword such as `:ok` (name without the colon). */
export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return `:${this.name}`;
  }
  toJSON(): string {
    return `:${this.name}`;
  }
}

/** An EDN symbol such as `foo` (other than nil/true/false). */
export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
  toJSON(): string {
    return this.name;
  }
}

export type EdnValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Keyword
  | EdnSymbol
  | EdnValue[]
  | Map<EdnValue, EdnValue>
  | Set<EdnValue>;

/** Thrown on malformed EDN; `at` is the 0-based character offset in the text. */
export class EdnSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const DELIMITERS = new Set(["(", ")", "[", "]", "{", "}", '"', ";", ","]);

function isSpace(c: string): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r" || c === ",";
}

/** Reads exactly one EDN form from `text` (surrounding whitespace allowed). */
export function parseEdn(text: string): EdnValue {
  const reader = new EdnReader(text);
  const value = reader.read();
  reader.skipSpace();
  if (reader.pos < text.length)
    throw new EdnSyntaxError(`unexpected text after the value: ${excerpt(text, reader.pos)}`, reader.pos);
  return value;
}

function excerpt(text: string, pos: number): string {
  const s = text.slice(pos, pos + 20);
  return JSON.stringify(s + (text.length > pos + 20 ? "…" : ""));
}

class EdnReader {
  pos = 0;
  constructor(private readonly text: string) {}

  skipSpace(): void {
    const t = this.text;
    for (;;) {
      while (this.pos < t.length && isSpace(t[this.pos]!)) this.pos++;
      if (t[this.pos] === ";") {
        while (this.pos < t.length && t[this.pos] !== "\n") this.pos++;
        continue;
      }
      if (t[this.pos] === "#" && t[this.pos + 1] === "_") {
        this.pos += 2;
        this.read();
        continue;
      }
      return;
    }
  }

  read(): EdnValue {
    this.skipSpace();
    const t = this.text;
    if (this.pos >= t.length) throw new EdnSyntaxError("unexpected end of input", this.pos);
    const c = t[this.pos]!;
    switch (c) {
      case "[":
        this.pos++;
        return this.readSeq("]");
      case "(":
        this.pos++;
        return this.readSeq(")");
      case "{": {
        this.pos++;
        const items = this.readSeq("}");
        if (items.length % 2 !== 0)
          throw new EdnSyntaxError("a map needs an even number of forms", this.pos - 1);
        const m = new Map<EdnValue, EdnValue>();
        for (let i = 0; i < items.length; i += 2) m.set(items[i]!, items[i + 1]!);
        return m;
      }
      case '"':
        return this.readString();
      case "\\":
        return this.readChar();
      case "#": {
        const next = t[this.pos + 1];
        if (next === "{") {
          this.pos += 2;
          return new Set(this.readSeq("}"));
        }
        // A tagged literal: #tag value -> value.
        this.pos++;
        this.readToken();
        return this.read();
      }
      case ")":
      case "]":
      case "}":
        throw new EdnSyntaxError(`unexpected '${c}'`, this.pos);
      default:
        return this.readAtom();
    }
  }

  private readSeq(close: string): EdnValue[] {
    const out: EdnValue[] = [];
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) throw new EdnSyntaxError(`missing '${close}'`, this.pos);
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.read());
    }
  }

  private readString(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      if (this.pos >= t.length) throw new EdnSyntaxError("unterminated string", start);
      const c = t[this.pos++]!;
      if (c === '"') return out;
      if (c !== "\\") {
        out += c;
        continue;
      }
      const e = t[this.pos++];
      switch (e) {
        case "n":
          out += "\n";
          break;
        case "t":
          out += "\t";
          break;
        case "r":
          out += "\r";
          break;
        case '"':
        case "\\":
          out += e;
          break;
        case "u": {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new EdnSyntaxError("bad \\u escape in string", this.pos);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          throw new EdnSyntaxError(`bad escape \\${e ?? ""} in string`, this.pos - 1);
      }
    }
  }

  private readChar(): string {
    this.pos++;
    const token = this.readToken();
    const named: Record<string, string> = { newline: "\n", space: " ", tab: "\t", return: "\r" };
    if (token.length === 1) return token;
    if (token in named) return named[token]!;
    throw new EdnSyntaxError(`unknown character \\${token}`, this.pos);
  }

  private readToken(): string {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length && !isSpace(t[this.pos]!) && !DELIMITERS.has(t[this.pos]!)) this.pos++;
    return t.slice(start, this.pos);
  }

  private readAtom(): EdnValue {
    const start = this.pos;
    const token = this.readToken();
    if (token === "") throw new EdnSyntaxError(`unexpected '${this.text[start]}'`, start);
    if (token === "nil") return null;
    if (token === "true") return true;
    if (token === "false") return false;
    if (token[0] === ":") {
      if (token.length === 1) throw new EdnSyntaxError("empty keyword ':'", start);
      return new Keyword(token.slice(1));
    }
    if (/^[+-]?\d+N?$/.test(token)) {
      const digits = token.endsWith("N") ? token.slice(0, -1) : token;
      const n = Number(digits);
      return Number.isSafeInteger(n) ? n : BigInt(digits);
    }
    if (/^[+-]?(\d+\.\d*|\d+)([eE][+-]?\d+)?M?$/.test(token)) return Number(token.replace(/M$/, ""));
    if (/^[+-]?\d/.test(token)) throw new EdnSyntaxError(`bad number ${JSON.stringify(token)}`, start);
    return new EdnSymbol(token);
  }
}

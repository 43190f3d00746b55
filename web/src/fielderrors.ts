// Places the server's validation problems (one per line, each naming its
// field: `rule "x": matchers: 'bad': column 3: ...`) at the field they are
// about, and a matcher's problem at its line.
export type FieldErrors = { fields: Record<string, string[]>; lines: Record<string, Record<number, string>>; other: string[] };

export function placeErrors(message: string, fields: string[], lists: Record<string, string[]>): FieldErrors {
  const out: FieldErrors = { fields: {}, lines: {}, other: [] };
  for (const problem of message.split('\n').filter(Boolean)) {
    const field = fields.find((f) => new RegExp(`(^|[\\s:"])${f}(:|\\s|$)`).test(problem));
    if (!field) {
      out.other.push(problem);
      continue;
    }
    (out.fields[field] ??= []).push(problem);
    const items = lists[field];
    if (items) {
      // The quoted entry the problem is about: its line in the textarea.
      const quoted = problem.match(/'([^']*)'/);
      const at = quoted ? items.findIndex((x) => x.trim() === quoted[1]) : -1;
      if (at >= 0) (out.lines[field] ??= {})[at] = problem;
    }
  }
  return out;
}

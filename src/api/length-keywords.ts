/**
 * `maxLength` and `minLength` for the request checkers (app.ts), with Ajv's meaning and errors but
 * without counting every string's code points. Ajv counts them for each string a schema limits,
 * a loop over every character of every field on every request; yet a string's code points are
 * never more than its UTF-16 length nor fewer than half of it, so the length alone settles nearly
 * every check, and the count is made only where it could change the answer (a string near its
 * limit with characters beyond the Basic Multilingual Plane).
 */
import { _, str, type CodeKeywordDefinition, type KeywordCxt, type KeywordErrorDefinition } from 'ajv';

/** The code points of `text`: each surrogate pair counts once, as Ajv's `unicode` option counts. */
export function codePointLength(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    count++;
  }
  return count;
}

const counting = (cxt: KeywordCxt) => cxt.gen.scopeValue('func', { ref: codePointLength });

/** Ajv's own error for these keywords: `must NOT have more than 256 characters`, params `{limit}`. */
const error = (comparison: 'more' | 'fewer'): KeywordErrorDefinition => ({
  message: ({ schemaCode }) => str`must NOT have ${comparison} than ${schemaCode} characters`,
  params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
});

export const lengthKeywords: CodeKeywordDefinition[] = [
  {
    keyword: 'maxLength',
    type: 'string',
    schemaType: 'number',
    // Where Ajv's own stand (added keywords go last): a string too long and off its pattern gets the length's error.
    before: 'pattern',
    $data: true,
    error: error('more'),
    // Too long only if its UTF-16 length is over the limit, and then only if its code points are.
    code: (cxt) => cxt.fail$data(_`${cxt.data}.length > ${cxt.schemaCode} && ${counting(cxt)}(${cxt.data}) > ${cxt.schemaCode}`),
  },
  {
    keyword: 'minLength',
    type: 'string',
    schemaType: 'number',
    before: 'pattern',
    $data: true,
    error: error('fewer'),
    // Too short if its UTF-16 length is under the limit; at twice the limit or more it cannot be.
    code: (cxt) =>
      cxt.fail$data(
        _`${cxt.data}.length < ${cxt.schemaCode} || (${cxt.data}.length < 2 * ${cxt.schemaCode} && ${counting(cxt)}(${cxt.data}) < ${cxt.schemaCode})`,
      ),
  },
];

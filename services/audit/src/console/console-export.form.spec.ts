import { parseExportForm } from './console-export.form';

const form = (value: unknown): string => `q=${JSON.stringify(value)}\r\n`;

describe(parseExportForm.name, () => {
  it('reads the token, the format and the filter of the text/plain form', () => {
    expect(parseExportForm(form({ token: 'tok-1', format: 'csv', filter: { country: 'IR' } }))).toEqual({
      token: 'tok-1',
      format: 'csv',
      filter: { country: 'IR' },
    });
  });

  it.each([
    ['not the form', 'token=x', 'expected the console export form'],
    ['not JSON', 'q={', 'not JSON'],
    ['no token', form({ format: 'csv' }), 'auditor token required'],
    ['a bad format', form({ token: 't', format: 'xml' }), 'format must be csv or ndjson'],
    ['an unknown field', form({ token: 't', format: 'csv', cursor: 'c' }), 'unknown export field "cursor"'],
    ['an operator filter', form({ token: 't', format: 'csv', filter: { $where: 'x' } }), 'unknown filter'],
  ])('refuses %s', (_name, body, message) => {
    expect(() => parseExportForm(body)).toThrow(message);
  });
});

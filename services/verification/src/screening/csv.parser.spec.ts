import { ofacField, parseCsv, parseCsvWithHeader } from './csv.parser';

describe(parseCsv.name, () => {
  it('splits plain fields and CRLF rows', () => {
    expect(parseCsv('a,b,c\r\nd,e,f\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e', 'f'],
    ]);
  });

  it('keeps commas, doubled quotes and line breaks inside quoted fields', () => {
    expect(parseCsv('1,"ANGLO-CARIBBEAN CO., LTD.","say ""hi""","two\nlines"\n')).toEqual([
      ['1', 'ANGLO-CARIBBEAN CO., LTD.', 'say "hi"', 'two\nlines'],
    ]);
  });

  it('keeps empty fields and a last row without a line break', () => {
    expect(parseCsv('a,,c\n,,')).toEqual([
      ['a', '', 'c'],
      ['', '', ''],
    ]);
  });

  it('drops the DOS end-of-file byte OFAC files end with', () => {
    expect(parseCsv('36,"AEROCARIBBEAN AIRLINES",-0- \r\n\x1a')).toEqual([
      ['36', 'AEROCARIBBEAN AIRLINES', '-0- '],
    ]);
  });
});

describe(ofacField.name, () => {
  it('reads -0- as empty', () => {
    expect(ofacField('-0- ')).toBeUndefined();
    expect(ofacField(' CUBA ')).toBe('CUBA');
  });
});

describe(parseCsvWithHeader.name, () => {
  it('keys rows by the header and strips a byte-order mark', () => {
    expect(parseCsvWithHeader('\uFEFFname,alt_names\n"X, Inc.",Y; Z\n')).toEqual([
      { name: 'X, Inc.', alt_names: 'Y; Z' },
    ]);
  });
});

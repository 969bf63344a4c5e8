import { parseTorList } from './tor-list.parser';

describe(parseTorList.name, () => {
  it('reads one address a line, normalised, skipping comments and blank lines', () => {
    const sut = parseTorList('# exits\n101.99.92.179\n\n2001:0470:0001:0908:0000:0000:0000:9001  # v6\n');

    expect([...sut]).toEqual(['101.99.92.179', '2001:470:1:908::9001']);
  });

  it('reads the exit-addresses format, taking only the ExitAddress lines', () => {
    const sut = parseTorList(
      'ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2024-02-27 01:02:03\nLastStatus 2024-02-27 02:00:00\nExitAddress 162.247.74.201 2024-02-27 02:13:14\n',
    );

    expect([...sut]).toEqual(['162.247.74.201']);
  });

  it('refuses a line that is not an address, naming the list and the line', () => {
    expect(() => parseTorList('101.99.92.179\nnot an address\n', 'tor exit list tor.lst')).toThrow(
      'tor exit list tor.lst line 2: not an address: "not an address"',
    );
  });

  it('refuses a list without addresses: an empty list would switch Tor detection off', () => {
    expect(() => parseTorList('')).toThrow('tor exit list has no addresses');
    expect(() => parseTorList('# only a comment\n', 'tor exit list tor.lst')).toThrow(
      'tor exit list tor.lst has no addresses',
    );
  });
});

import { MAX_URL_LENGTH, checkUrl, checkUrlSyntax, isPublicAddress } from './url-policy';

// Stands in for DNS with a fixed table; unknown names fail the way dns.lookup does.
const fakeDns =
  (table: Record<string, string[]>, asked: string[] = []) =>
  async (host: string): Promise<string[]> => {
    asked.push(host);
    const answer = table[host];
    if (!answer) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };

const refuseToResolve = async (host: string): Promise<string[]> => {
  throw new Error(`lookup must not be called, was asked for ${host}`);
};

describe('checkUrlSyntax', () => {
  it.each([
    ['https://example.com/watch?v=1', 'https://example.com/watch?v=1'],
    ['  http://Example.COM/Video  ', 'http://example.com/Video'],
    ['https://example.com:8443/a#t=10', 'https://example.com:8443/a#t=10'],
    ['https://bücher.example/v', 'https://xn--bcher-kva.example/v'],
    ['http://127.0.0.1:8080/clip.mp4', 'http://127.0.0.1:8080/clip.mp4'],
    ['https://example.com/' + 'a'.repeat(MAX_URL_LENGTH - 20), 'https://example.com/' + 'a'.repeat(MAX_URL_LENGTH - 20)],
  ])('accepts %s', (input, href) => {
    expect(checkUrlSyntax(input)).toEqual({ ok: true, url: href });
  });

  it.each([
    ['undefined', undefined, 'The link must be text.'],
    ['null', null, 'The link must be text.'],
    ['a number', 42, 'The link must be text.'],
    ['an object', { url: 'https://example.com/' }, 'The link must be text.'],
    ['an array', ['https://example.com/'], 'The link must be text.'],
    ['an empty string', '   ', 'Paste the link of a video page.'],
    ['an over-long link', 'https://example.com/' + 'a'.repeat(MAX_URL_LENGTH), 'The link is longer than 2048 characters.'],
    ['a link that percent-encodes past the limit', 'https://example.com/' + 'é'.repeat(1000), 'The link is longer than 2048 characters.'],
    ['an option-looking argument', '-oProxyCommand=touch /tmp/x', 'A link cannot start with "-".'],
    ['an option before a link', '--exec=id https://example.com/', 'A link cannot start with "-".'],
    ['a space inside', 'https://example.com/a b', 'The link contains spaces or control characters.'],
    ['a tab inside', 'https://exam\tple.com/', 'The link contains spaces or control characters.'],
    ['a newline inside', 'https://example.com/\n--exec', 'The link contains spaces or control characters.'],
    ['a NUL inside', 'https://example.com/\u0000', 'The link contains spaces or control characters.'],
    ['a C1 control inside', 'https://example.com/\u0085', 'The link contains spaces or control characters.'],
    ['no scheme', 'example.com/watch', 'This is not a valid link.'],
    ['garbage', 'http://[::1', 'This is not a valid link.'],
    ['file:', 'file:///etc/passwd', 'Only http and https links can be downloaded.'],
    ['javascript:', 'javascript:alert(1)', 'Only http and https links can be downloaded.'],
    ['ftp:', 'ftp://example.com/video.mp4', 'Only http and https links can be downloaded.'],
    ['data:', 'data:text/html,hi', 'Only http and https links can be downloaded.'],
    ['ws:', 'ws://example.com/', 'Only http and https links can be downloaded.'],
    ['user and password', 'http://user:pass@example.com/', 'Links with a user name or password in them are not accepted.'],
    ['user only', 'https://user@example.com/', 'Links with a user name or password in them are not accepted.'],
    ['password only', 'https://:secret@example.com/', 'Links with a user name or password in them are not accepted.'],
  ])('refuses %s', (_label, input, message) => {
    expect(checkUrlSyntax(input)).toEqual({ ok: false, code: 'invalid_url', message });
  });
});

describe('isPublicAddress', () => {
  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '9.255.255.255', // just below 10/8
    '11.0.0.0',
    '172.15.255.255', // around 172.16/12
    '172.32.0.0',
    '192.167.255.255', // around 192.168/16
    '192.169.0.0',
    '169.253.255.255', // around 169.254/16
    '100.63.255.255', // around 100.64/10
    '100.128.0.0',
    '198.17.255.255', // around 198.18/15
    '198.20.0.0',
    '223.255.255.255', // just below multicast
    '2606:4700:4700::1111',
    '2001:4860:4860::8888',
    '2a00:1450:4001:82b::200e',
    '::ffff:93.184.216.34',
    '::ffff:5db8:d822',
    '64:ff9b::93.184.216.34',
    '64:ff9b::5db8:d822',
    '2002:5db8:d822::1', // 6to4 of 93.184.216.34
  ])('%s is public', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  it.each([
    ['IPv4 loopback', '127.0.0.1'],
    ['IPv4 loopback, end of 127/8', '127.255.255.254'],
    ['this network', '0.0.0.0'],
    ['this network 0/8', '0.1.2.3'],
    ['private 10/8', '10.0.0.1'],
    ['private 10/8 end', '10.255.255.255'],
    ['private 172.16/12', '172.16.0.1'],
    ['private 172.16/12 end', '172.31.255.255'],
    ['private 192.168/16', '192.168.1.1'],
    ['link-local', '169.254.0.1'],
    ['cloud metadata', '169.254.169.254'],
    ['CGNAT', '100.64.0.1'],
    ['CGNAT end', '100.127.255.255'],
    ['multicast', '224.0.0.1'],
    ['multicast SSDP', '239.255.255.250'],
    ['reserved 240/4', '240.0.0.1'],
    ['broadcast', '255.255.255.255'],
    ['benchmarking', '198.18.0.1'],
    ['benchmarking end', '198.19.255.255'],
    ['TEST-NET-1', '192.0.2.1'],
    ['TEST-NET-2', '198.51.100.7'],
    ['TEST-NET-3', '203.0.113.9'],
    ['IETF protocol assignments', '192.0.0.8'],
    ['IPv6 unspecified', '::'],
    ['IPv6 loopback', '::1'],
    ['IPv6 loopback, long form', '0:0:0:0:0:0:0:1'],
    ['unique local fc00::/7', 'fc00::1'],
    ['unique local fd00::/8', 'fd12:3456:789a::1'],
    ['link-local fe80::/10', 'fe80::1'],
    ['link-local with zone', 'fe80::1%eth0'],
    ['link-local fe80::/10 end', 'febf::1'],
    ['site-local (deprecated)', 'fec0::1'],
    ['multicast ff00::/8', 'ff02::1'],
    ['global multicast', 'ff0e::1'],
    ['IPv4-mapped loopback', '::ffff:127.0.0.1'],
    ['IPv4-mapped loopback, hex', '::ffff:7f00:1'],
    ['IPv4-mapped loopback, long form', '0:0:0:0:0:ffff:7f00:1'],
    ['IPv4-mapped private', '::ffff:10.0.0.1'],
    ['IPv4-mapped metadata', '::ffff:169.254.169.254'],
    ['IPv4-translated loopback', '::ffff:0:127.0.0.1'],
    ['IPv4-compatible loopback', '::127.0.0.1'],
    ['IPv4-compatible loopback, hex', '::7f00:1'],
    ['IPv4-compatible, even of a public v4', '::93.184.216.34'],
    ['NAT64 of loopback', '64:ff9b::127.0.0.1'],
    ['NAT64 of private, hex', '64:ff9b::a00:1'],
    ['NAT64 of metadata', '64:ff9b::a9fe:a9fe'],
    ['local-use NAT64 64:ff9b:1::/48', '64:ff9b:1::5db8:d822'],
    ['documentation 2001:db8::/32', '2001:db8::1'],
    ['documentation 3fff::/20', '3fff::1'],
    ['6to4 of loopback', '2002:7f00:1::1'],
    ['6to4 of private', '2002:c0a8:101::1'],
    ['6to4 of metadata', '2002:a9fe:a9fe::'],
    ['Teredo', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
    ['discard-only 100::/64', '100::1'],
    ['outside 2000::/3', '4000::1'],
    ['a host name', 'localhost'],
    ['empty', ''],
    ['bracketed', '[::1]'],
    ['leading space', ' 8.8.8.8'],
    ['short IPv4', '127.1'],
    ['octal IPv4', '0177.0.0.1'],
    ['hex IPv4', '0x7f000001'],
    ['decimal IPv4', '2130706433'],
    ['octal tail in IPv4-mapped', '::ffff:0177.0.0.1'],
    ['five parts', '1.2.3.4.5'],
    ['octet over 255', '256.1.1.1'],
  ])('%s (%s) is not public', (_label, ip) => {
    expect(isPublicAddress(ip)).toBe(false);
  });
});

describe('checkUrl', () => {
  const strict = { allowPrivate: false, lookup: refuseToResolve };

  it.each([
    ['loopback', 'http://127.0.0.1/'],
    ['loopback with port', 'http://127.0.0.1:3000/video'],
    ['hex', 'http://0x7f000001/'],
    ['decimal', 'http://2130706433/'],
    ['octal', 'http://0177.0.0.1/'],
    ['short form', 'http://127.1/'],
    ['trailing dot', 'http://127.0.0.1./'],
    ['IPv6 loopback', 'http://[::1]/'],
    ['IPv6 unspecified', 'http://[::]/'],
    ['IPv4-mapped', 'http://[::ffff:127.0.0.1]/'],
    ['IPv4-mapped long form', 'http://[0:0:0:0:0:ffff:7f00:1]/'],
    ['IPv4-compatible', 'http://[::127.0.0.1]/'],
    ['NAT64 of private', 'http://[64:ff9b::10.0.0.1]/'],
    ['unique local', 'http://[fd00::1]/'],
    ['link-local', 'http://[fe80::1]/'],
    ['cloud metadata', 'http://169.254.169.254/latest/meta-data/'],
    ['private', 'https://192.168.0.1/'],
    ['unspecified', 'http://0.0.0.0:8080/'],
    ['localhost', 'http://localhost/'],
    ['LOCALHOST with trailing dot', 'http://LOCALHOST./'],
    ['a .localhost name', 'http://app.Localhost:8080/'],
  ])('refuses %s (%s) without asking DNS', async (_label, url) => {
    const verdict = await checkUrl(url, strict);
    expect(verdict).toMatchObject({ ok: false, code: 'private_address' });
  });

  it.each([
    ['a public IPv4 literal', 'http://93.184.216.34/watch', 'http://93.184.216.34/watch'],
    ['a public IPv6 literal', 'https://[2606:4700:4700::1111]/v', 'https://[2606:4700:4700::1111]/v'],
  ])('accepts %s without asking DNS', async (_label, url, href) => {
    expect(await checkUrl(url, strict)).toEqual({ ok: true, url: href });
  });

  const dns = fakeDns({
    'video.example': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'metadata.google.internal': ['169.254.169.254'],
    'rebind.example': ['93.184.216.34', '10.0.0.7'],
    'v6-loopback.example': ['::1'],
    'mapped.example': ['::ffff:192.168.1.10'],
    'nothing.example': [],
  });

  it.each([
    ['every address public', 'https://video.example/watch?v=1', { ok: true, url: 'https://video.example/watch?v=1' }],
    ['the metadata host', 'http://metadata.google.internal/computeMetadata/v1/', { ok: false, code: 'private_address' }],
    ['one private address among public ones', 'https://rebind.example/', { ok: false, code: 'private_address' }],
    ['an IPv6 loopback answer', 'https://v6-loopback.example/', { ok: false, code: 'private_address' }],
    ['an IPv4-mapped private answer', 'https://mapped.example/', { ok: false, code: 'private_address' }],
    ['an empty answer', 'https://nothing.example/', { ok: false, code: 'invalid_url' }],
    ['an unknown name', 'https://no-such-host.example/', { ok: false, code: 'invalid_url' }],
  ])('resolves names: %s', async (_label, url, expected) => {
    expect(await checkUrl(url, { allowPrivate: false, lookup: dns })).toMatchObject(expected);
  });

  it('says which address could not be found', async () => {
    expect(await checkUrl('https://no-such-host.example/', { allowPrivate: false, lookup: dns })).toEqual({
      ok: false,
      code: 'invalid_url',
      message: 'The address no-such-host.example could not be found.',
    });
  });

  it('says which address is private', async () => {
    expect(await checkUrl('http://metadata.google.internal/', { allowPrivate: false, lookup: dns })).toEqual({
      ok: false,
      code: 'private_address',
      message:
        'The address metadata.google.internal points to a local or private network, which this server does not download from.',
    });
  });

  it('asks DNS for the name as the downloader will, lowercased', async () => {
    const asked: string[] = [];
    await checkUrl('https://VIDEO.Example./a', { allowPrivate: false, lookup: fakeDns({}, asked) });
    expect(asked).toEqual(['video.example.']);
  });

  it.each([
    ['loopback', 'http://127.0.0.1:3000/clip.mp4'],
    ['localhost', 'http://localhost:3000/clip.mp4'],
    ['IPv6 loopback', 'http://[::1]:3000/clip.mp4'],
    ['an unresolvable name', 'http://media.internal/clip.mp4'],
  ])('lets %s through when private targets are allowed, without DNS', async (_label, url) => {
    expect(await checkUrl(url, { allowPrivate: true, lookup: refuseToResolve })).toEqual({ ok: true, url });
  });

  it.each([
    ['file:', 'file:///etc/passwd'],
    ['credentials', 'http://user:pass@127.0.0.1/'],
    ['an option', '-oProxyCommand'],
    ['a non-string', 12345],
  ])('still applies the syntax check when private targets are allowed: %s', async (_label, input) => {
    expect(await checkUrl(input, { allowPrivate: true })).toMatchObject({ ok: false, code: 'invalid_url' });
  });

  it('refuses localhost with the default lookup, which it never needs', async () => {
    expect(await checkUrl('http://localhost:8080/', { allowPrivate: false })).toMatchObject({
      ok: false,
      code: 'private_address',
    });
  });
});

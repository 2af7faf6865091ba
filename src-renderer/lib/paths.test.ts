import { describe, expect, it } from 'vitest';
import { breadcrumbs, dirnameOf } from './paths';

describe('breadcrumbs', () => {
  it('splits a POSIX path from the root', () => {
    expect(breadcrumbs('/home/ana/slides')).toEqual([
      { label: '/', path: '/' },
      { label: 'home', path: '/home' },
      { label: 'ana', path: '/home/ana' },
      { label: 'slides', path: '/home/ana/slides' },
    ]);
    expect(breadcrumbs('/')).toEqual([{ label: '/', path: '/' }]);
    expect(breadcrumbs('/data/')).toEqual([
      { label: '/', path: '/' },
      { label: 'data', path: '/data' },
    ]);
  });

  it('splits a Windows path from its drive', () => {
    expect(breadcrumbs('C:\\Users\\ana')).toEqual([
      { label: 'C:\\', path: 'C:\\' },
      { label: 'Users', path: 'C:\\Users' },
      { label: 'ana', path: 'C:\\Users\\ana' },
    ]);
  });

  it('keeps a UNC share as the root', () => {
    expect(breadcrumbs('\\\\lab\\scans\\2024')).toEqual([
      { label: '\\\\lab\\scans', path: '\\\\lab\\scans' },
      { label: '2024', path: '\\\\lab\\scans\\2024' },
    ]);
  });
});

describe('dirnameOf', () => {
  it('gives the folder of a file', () => {
    expect(dirnameOf('/a/b/c.svs')).toBe('/a/b');
    expect(dirnameOf('/c.svs')).toBe('/');
    expect(dirnameOf('C:\\a\\c.svs')).toBe('C:\\a');
    expect(dirnameOf('C:\\c.svs')).toBe('C:\\');
    expect(dirnameOf('c.svs')).toBeNull();
  });
});

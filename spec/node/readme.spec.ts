import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

describe('README', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const quoted = [...readme.matchAll(/<!-- example: (\S+) -->\n```ts\n([\s\S]*?)```/g)];

  it('quotes the example files', () => {
    expect(quoted.map(([, file]) => file)).to.include.members(['examples/legacy-chat.ts', 'examples/rxjs-chat.ts']);
  });

  it('has no TypeScript example that is not a quoted file (so every one is compiled)', () => {
    expect(readme.match(/```ts\n/g)?.length).to.equal(quoted.length);
  });

  for (const [, file, code] of quoted) {
    it(`quotes ${file} as it is (the browser tier runs that file)`, () => {
      expect(code).to.equal(readFileSync(join(root, file!), 'utf8'));
    });
  }
});

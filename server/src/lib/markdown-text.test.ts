import { describe, expect, it } from 'vitest';
import { markdownToText, searchWords } from './markdown-text.ts';

describe('markdown as search text', () => {
  it('keeps the words and drops the markup', () => {
    expect(markdownToText('## Check the **spooler**\n\n- Run `Get-Service Spooler`\n- See [the guide](https://example.com/x)\n\n```powershell\nRestart-Service Spooler\n```')).toBe(
      'Check the spooler Run Get-Service Spooler See the guide Restart-Service Spooler',
    );
    expect(searchWords('Outlook OUTLOOK profile, OST-file 2fa')).toEqual(['outlook', 'profile', 'ost', 'file', '2fa']);
  });

  it('handles hostile input in linear time', () => {
    for (const hostile of ['<'.repeat(200_000), '['.repeat(200_000), '[a]('.repeat(50_000)]) {
      expect(typeof markdownToText(hostile)).toBe('string');
    }
  });
});

import { catalogues, pickLang, translate } from './i18n';
import { en, zhCN } from './messages';

describe('the message catalogue', () => {
  const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

  it('has the same keys in English and Chinese', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
  });
  it('gives each message the same placeholders in both languages', () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect([key, placeholders(zhCN[key])]).toEqual([key, placeholders(en[key])]);
    }
  });
  it('translates every state label and the Chinese differs from the English where words are involved', () => {
    expect(translate('zh-CN', 'state.completed')).toBe('就绪');
    expect(translate('en', 'state.completed')).toBe('Ready');
    expect(catalogues['zh-CN']['login.username']).toBe('用户名');
  });
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(translate('en', 'job.of', { done: '1 MB', total: '4 MB' })).toBe('1 MB of 4 MB');
    expect(translate('zh-CN', 'job.of', { done: '1 MB' })).toBe('1 MB / {total}');
  });
});

describe('choosing the language', () => {
  it('follows the browser: any Chinese tag reads Simplified Chinese, others English', () => {
    expect(pickLang(null, ['zh-CN', 'en'])).toBe('zh-CN');
    expect(pickLang(null, ['zh'])).toBe('zh-CN');
    expect(pickLang(null, ['fr-FR', 'zh-TW'])).toBe('zh-CN');
    expect(pickLang(null, ['en-GB', 'zh-CN'])).toBe('en');
    expect(pickLang(null, ['de-DE'])).toBe('en');
    expect(pickLang(null, [])).toBe('en');
  });
  it('lets a remembered choice win, and ignores a stored value it does not know', () => {
    expect(pickLang('en', ['zh-CN'])).toBe('en');
    expect(pickLang('zh-CN', ['en-US'])).toBe('zh-CN');
    expect(pickLang('klingon', ['zh-CN'])).toBe('zh-CN');
  });
});

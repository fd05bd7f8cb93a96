// Which language to show, and filling a message's {placeholders}; pure, so jest can check it.
import { en, type MessageKey, zhCN } from './messages';

export const LANGS = ['en', 'zh-CN'] as const;
export type Lang = (typeof LANGS)[number];
export const LANG_NAMES: Record<Lang, string> = { en: 'English', 'zh-CN': '简体中文' };
export const LANG_STORAGE_KEY = 'vidpipe.lang';

export const catalogues: Record<Lang, Record<MessageKey, string>> = { en, 'zh-CN': zhCN };

const isLang = (v: unknown): v is Lang => typeof v === 'string' && (LANGS as readonly string[]).includes(v);

/** The remembered choice wins; else the first browser language we speak (any zh-* reads Simplified). */
export function pickLang(stored: string | null, browserLangs: readonly string[]): Lang {
  if (isLang(stored)) return stored;
  for (const tag of browserLangs) {
    const lower = tag.toLowerCase();
    if (lower === 'en' || lower.startsWith('en-')) return 'en';
    if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
  }
  return 'en';
}

export function translate(lang: Lang, key: MessageKey, values: Record<string, string | number> = {}): string {
  const text = catalogues[lang][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export type { MessageKey };

// Sizes, speeds, ETAs, durations and times for people, in English or Simplified Chinese.
// Numbers and clock times go through Intl; the unit words are ours, so Node and Chromium agree.
import type { Lang } from './i18n';

const BYTE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

const number = (lang: Lang, value: number, digits: number) =>
  new Intl.NumberFormat(lang, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);

/** Decimal units (1 MB = 1,000,000 bytes), as yt-dlp's sites and disks count them. */
export function formatBytes(bytes: number, lang: Lang): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  // One decimal below 10 (1.5 MB), none above (152 MB), none for bytes.
  const digits = unit === 0 || value >= 10 ? 0 : 1;
  return `${number(lang, value, digits)} ${BYTE_UNITS[unit]}`;
}

export function formatSpeed(bytesPerSecond: number, lang: Lang): string {
  return `${formatBytes(bytesPerSecond, lang)}${lang === 'zh-CN' ? '/秒' : '/s'}`;
}

const SPAN_UNITS: Record<Lang, { h: string; min: string; s: string; sep: string }> = {
  en: { h: ' h', min: ' min', s: ' s', sep: ' ' },
  'zh-CN': { h: '小时', min: '分', s: '秒', sep: '' },
};

/** A stretch of time in words, at most two units: "1 h 5 min", "3 min 20 s", "45 s" / "1小时5分". */
export function formatSpan(seconds: number, lang: Lang): string {
  const u = SPAN_UNITS[lang];
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const part = (n: number, unit: string) => `${number(lang, n, 0)}${unit}`;
  if (h > 0) return m > 0 ? [part(h, u.h), part(m, u.min)].join(u.sep) : part(h, u.h);
  if (m > 0) return s > 0 ? [part(m, u.min), part(s, u.s)].join(u.sep) : part(m, u.min);
  return part(s, u.s);
}

/** Time left, rounded up so "0 s left" never shows while bytes are still coming. */
export function formatEta(seconds: number, lang: Lang): string {
  const span = formatSpan(Math.max(1, Math.ceil(seconds)), lang);
  return lang === 'zh-CN' ? `剩余${span}` : `${span} left`;
}

/** A video's length as a clock, the same in both languages: 0:07, 4:05, 1:02:03. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** A moment of today as a clock time, another day with its date. */
export function formatMoment(iso: string, lang: Lang, now: Date = new Date()): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === now.toDateString();
  return new Intl.DateTimeFormat(lang, sameDay ? { timeStyle: 'medium' } : { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

export function formatPercent(percent: number, lang: Lang): string {
  return new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(percent / 100);
}
